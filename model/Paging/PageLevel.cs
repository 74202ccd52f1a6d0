namespace MMSpec.Model.Paging;

/// <summary>The kernel's names for the table levels, top (PGD) to bottom (PTE).</summary>
public enum PageLevel
{
    Pgd,
    P4d,
    Pud,
    Pmd,
    Pte,
}
