using System.Collections.Immutable;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Model.Slab;

/// <summary>
/// The slab allocator's invariants as named checks over a snapshot (docs/slab.md, "Rules").
/// Each returns the violations it finds; an empty result means the rule holds.
/// </summary>
public static class SlabInvariants
{
    public const string SlabGeometry = "slab-geometry";
    public const string NoOverlap = "no-overlap";
    public const string PagesAreBuddyBlocks = "slab-pages-are-buddy-blocks";
    public const string ListMembership = "list-membership";
    public const string ConstructorCount = "constructor-count";

    public static IEnumerable<Violation> All(SlabSnapshot s) =>
        CheckSlabGeometry(s)
            .Concat(CheckNoOverlap(s))
            .Concat(CheckPagesAreBuddyBlocks(s))
            .Concat(CheckListMembership(s))
            .Concat(CheckConstructorCount(s));

    /// <summary>
    /// The invariants over a snapshot of the part of the state around <paramref name="frames"/>
    /// (<see cref="SlabSnapshot.Within"/>): every rule, with the held blocks matched against the buddy allocator's
    /// in those frames. A subset of <see cref="All"/>, whatever breaks here breaks there: a cache with only some of
    /// its slabs counts fewer objects, so its constructor count is short only if it is short for all of them.
    /// </summary>
    public static IEnumerable<Violation> Window(SlabSnapshot s, PfnRange frames) =>
        CheckSlabGeometry(s)
            .Concat(CheckNoOverlap(s))
            .Concat(CheckPagesAreBuddyBlocks(s, frames))
            .Concat(CheckListMembership(s))
            .Concat(CheckConstructorCount(s));

    /// <summary>
    /// Every slab has its cache's order and is naturally aligned, its objects fit in it and are aligned (the slot
    /// is a multiple of the alignment), and its free objects are distinct indices of real objects.
    /// </summary>
    public static IEnumerable<Violation> CheckSlabGeometry(SlabSnapshot s)
    {
        foreach (var cache in s.Caches)
        {
            var g = cache.Geometry;
            if ((ulong)g.ObjectsPerSlab * g.Size > g.SlabBytes || g.ObjectsPerSlab < 1 || g.Size % g.Align != 0)
            {
                yield return new Violation(
                    SlabGeometry,
                    $"{cache.Name}: {g.ObjectsPerSlab} objects of {g.Size} bytes, align {g.Align}, "
                    + $"in a {g.SlabBytes}-byte slab");
            }

            foreach (var slab in cache.Slabs)
            {
                var free = slab.FreeObjects;
                if (slab.Order != g.Order || slab.Pfn.Value % slab.Order.Pages != 0)
                {
                    yield return new Violation(
                        SlabGeometry, $"{cache.Name}: slab {slab.Block} is not an aligned block of order {g.Order}");
                }
                else if (!AllDistinct(free) || free.Any(i => i < 0 || i >= g.ObjectsPerSlab))
                {
                    yield return new Violation(
                        SlabGeometry, $"{cache.Name}: slab {slab} lists a free object twice or one it does not have");
                }
            }
        }
    }

    /// <summary>
    /// No two slabs or large kmallocs share a frame, so no two live objects overlap, in one cache or across.
    /// </summary>
    public static IEnumerable<Violation> CheckNoOverlap(SlabSnapshot s)
    {
        var blocks = Held(s).OrderBy(b => b.Block.Pfn).ToList();
        for (var i = 1; i < blocks.Count; i++)
        {
            if (blocks[i].Block.Pfn.Value < blocks[i - 1].Block.End)
            {
                yield return new Violation(
                    NoOverlap,
                    $"{blocks[i].Owner} {blocks[i].Block} overlaps {blocks[i - 1].Owner} {blocks[i - 1].Block}");
            }
        }
    }

    /// <summary>
    /// The blocks the slab layer holds (slabs and large kmallocs) are exactly the buddy allocator's allocated blocks.
    /// </summary>
    public static IEnumerable<Violation> CheckPagesAreBuddyBlocks(SlabSnapshot s) =>
        PagesAreBuddyBlocksOf([.. Held(s).Select(b => b.Block)], s.Pages.Allocated);

    /// <summary>The rule above for the blocks that start in <paramref name="frames"/>.</summary>
    public static IEnumerable<Violation> CheckPagesAreBuddyBlocks(SlabSnapshot s, PfnRange frames) =>
        PagesAreBuddyBlocksOf([.. Held(s).Select(b => b.Block).Where(b => frames.Contains(b.Pfn))],
            s.Pages.Allocated.Where(b => frames.Contains(b.Pfn)));

    /// <summary>
    /// A slab is on the full list when every object is in use, on the empty list when none is, else on partial.
    /// </summary>
    public static IEnumerable<Violation> CheckListMembership(SlabSnapshot s) =>
        from cache in s.Caches
        from slab in cache.Slabs
        let inUse = cache.InUse(slab)
        let expected = inUse == cache.Geometry.ObjectsPerSlab ? SlabList.Full
            : inUse == 0 ? SlabList.Empty
            : SlabList.Partial
        where slab.List != expected
        select new Violation(
            ListMembership,
            $"{cache.Name}: slab {slab.Block} with {inUse}/{cache.Geometry.ObjectsPerSlab} objects in use "
            + $"is on the {slab.List} list, not {expected}");

    /// <summary>
    /// The constructor runs once per object of each new slab: a multiple of objperslab, at least the objects there are
    /// now.
    /// </summary>
    public static IEnumerable<Violation> CheckConstructorCount(SlabSnapshot s) =>
        from cache in s.Caches
        let perSlab = cache.Geometry.ObjectsPerSlab
        where cache.Ctor is null
            ? cache.CtorCalls != 0
            : cache.CtorCalls % perSlab != 0 || cache.CtorCalls < cache.TotalObjects
        select new Violation(
            ConstructorCount,
            $"{cache.Name}: constructor ran {cache.CtorCalls} times for slabs of {perSlab} objects "
            + $"({cache.TotalObjects} objects now){(cache.Ctor is null ? " without a constructor" : string.Empty)}");

    /// <summary>
    /// The blocks the slab layer holds, each with its owner: every slab of every cache, and every large kmalloc.
    /// </summary>
    public static IEnumerable<(string Owner, Block Block)> Held(SlabSnapshot s) =>
        s.Caches.SelectMany(c => c.Slabs.Select(slab => (c.Name, slab.Block)))
            .Concat(s.Large.Select(b => ("large kmalloc", b)));

    private static IEnumerable<Violation> PagesAreBuddyBlocksOf(List<Block> held, IEnumerable<Block> allocated)
    {
        var notAllocated = held.Except(allocated).Take(8).ToList();
        var notHeld = allocated.Except(held).Take(8).ToList();
        if (notAllocated.Count > 0 || notHeld.Count > 0)
        {
            yield return new Violation(PagesAreBuddyBlocks,
                $"held but not allocated in the buddy allocator [{string.Join(' ', notAllocated)}], "
                + $"allocated but not held [{string.Join(' ', notHeld)}]");
        }
    }

    /// <summary>No index twice: sorted strictly increasing (as snapshots list them) says so without a set.</summary>
    private static bool AllDistinct(ImmutableArray<int> indices)
    {
        for (var i = 1; i < indices.Length; i++)
        {
            if (indices[i] <= indices[i - 1])
            {
                return indices.Distinct().Count() == indices.Length;
            }
        }

        return true;
    }
}
