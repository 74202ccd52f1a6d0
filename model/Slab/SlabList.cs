namespace MMSpec.Model.Slab;

/// <summary>The list a slab is on: by how many of its objects are in use (SPEC.md: full, partial, empty).</summary>
public enum SlabList
{
    Partial = 0,
    Full = 1,
    Empty = 2,
}
