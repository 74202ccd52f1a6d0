namespace MMSpec.Properties.Slab;

/// <summary>
/// The conformance levels (docs/README.md, "Conformance levels"), as the groups of checks a slab lockstep run
/// makes after each step.
/// </summary>
[Flags]
public enum SlabChecks
{
    /// <summary>
    /// Level 1: invariants, objects inside their cache's slabs and never overlapping, only live objects freed, bad
    /// input changes nothing, snapshots agree.
    /// </summary>
    Safe = 1,

    /// <summary>
    /// Level 2: an allocation fails only when the cache has no free object and the buddy allocator no block of the slab
    /// order.
    /// </summary>
    Live = 2,

    /// <summary>
    /// Level 3: partial, then empty, then new slab; the constructor once per object of a new slab; Linux's kmalloc size
    /// classes.
    /// </summary>
    Exact = 4,

    All = Safe | Live | Exact,
}
