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

/// <summary>Level names as the kernel writes them: PGD, P4D, PUD, PMD, PTE.</summary>
public static class PageLevelText
{
    public static string Of(PageLevel level) => level.ToString().ToUpperInvariant();
}
