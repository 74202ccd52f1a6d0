namespace MMSpec.Model.Paging.Segmentation;

/// <summary>A contiguous range of physical memory [Base, Base + Size): where a program sits, or a hole.</summary>
public readonly record struct Region(ulong Base, ulong Size)
{
    public ulong End => Base + Size;

    public override string ToString() => $"[0x{Base:x}, 0x{End:x})";
}
