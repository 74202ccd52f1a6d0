namespace MMSpec.Model.Paging.Segmentation;

/// <summary>Selector bit 2 (TI): which descriptor table the index refers to.</summary>
public enum TableIndicator
{
    Gdt = 0,
    Ldt = 1,
}
