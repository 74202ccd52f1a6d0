namespace MMSpec.Model.Slab;

/// <summary>
/// The list a slab is on: by how many of its objects are in use (docs/slab.md, "What is specified": full, partial,
/// empty).
/// </summary>
public enum SlabList
{
    Partial = 0,
    Full = 1,
    Empty = 2,
}
