using System.Collections.Immutable;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Slab;

namespace MMSpec.Impl.Slab;

/// <summary>
/// SLUB as mm/slub.c builds it, without per-CPU slabs: per-cache partial, full and empty lists of slab
/// descriptors, a freelist per slab, and a per-frame table from pfn to slab (the struct slab overlaying struct
/// page) so virt_to_slab is one array read. Allocation and free are O(1) and allocate nothing on the heap
/// (errors aside; a new slab reuses a retired descriptor of its cache when there is one).
/// </summary>
public sealed partial class SlabAllocator : ISlabAllocator
{
    private const int NoLarge = -1;

    // kmalloc_size_index: the kmalloc cache (by id here, not by Linux's kmalloc index) for 1..192 bytes, 8 at a time.
    private static readonly byte[] KmallocSizeIndex =
        [0, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6];

    private readonly List<KmemCache?> _caches = [];

    // Per frame: the slab it belongs to; the head of the large kmalloc it belongs to (or NoLarge), and that order.
    private readonly SlabDescriptor?[] _slabOf;
    private readonly int[] _largeHead;
    private readonly byte[] _largeOrder;

    public SlabAllocator(IBuddyAllocator pages)
    {
        Pages = pages;
        var frames = (int)pages.Layout.FrameCount;
        _slabOf = new SlabDescriptor?[frames];
        _largeHead = new int[frames];
        Array.Fill(_largeHead, NoLarge);
        _largeOrder = new byte[frames];
        // create_kmalloc_caches
        foreach (var size in KmallocSizes.CacheSizes)
        {
            var name = KmallocSizes.NameOf(size);
            _caches.Add(new KmemCache(
                new CacheId(_caches.Count),
                name,
                CacheGeometry.For(name, size, CacheGeometry.Word, false).Value,
                null));
        }
    }

    public IBuddyAllocator Pages { get; }

    public Result<ulong> ReadWord(VirtAddr obj)
    {
        var place = LiveObject(obj);
        if (!place.IsOk)
        {
            return place.Error!;
        }

        var (slab, index, pfn) = place.Value;
        return slab is null ? new NotSlabPage(obj, new Pfn((ulong)pfn)) : slab.Words[index];
    }

    public Result<Unit> WriteWord(VirtAddr obj, ulong value)
    {
        var place = LiveObject(obj);
        if (!place.IsOk)
        {
            return place.Error!;
        }

        var (slab, index, pfn) = place.Value;
        if (slab is null)
        {
            return new NotSlabPage(obj, new Pfn((ulong)pfn));
        }

        slab.Words[index] = value;
        return Unit.Value;
    }

    public SlabSnapshot Snapshot() =>
        new(_caches.OfType<KmemCache>().Select(State), LargeIn(0, _largeHead.Length), Pages.Snapshot());

    /// <summary>
    /// The named caches and those with a slab in the frames, with their slabs there, found through the per-frame slab
    /// table (a slab's head frame points at a slab whose pfn is that frame): only the frames are walked, in pfn order,
    /// so each cache's slabs come out sorted.
    /// </summary>
    public SlabSnapshot SnapshotOf(IReadOnlyCollection<CacheId> caches, PfnRange frames)
    {
        var end = (int)Math.Min(frames.End.Value, (ulong)_slabOf.Length);
        var start = (int)Math.Min(frames.Start.Value, (ulong)end);
        var slabs = new Dictionary<KmemCache, List<SlabDescriptor>>();
        for (var pfn = start; pfn < end; pfn++)
        {
            if (_slabOf[pfn] is { } slab && slab.Pfn == pfn)
            {
                (slabs.TryGetValue(slab.Cache, out var list) ? list : slabs[slab.Cache] = []).Add(slab);
            }
        }

        var named = _caches.OfType<KmemCache>().Where(c => slabs.ContainsKey(c) || caches.Contains(c.Id));
        return new SlabSnapshot(named.Select(c => State(c, slabs.GetValueOrDefault(c) ?? [])), LargeIn(start, end),
            Pages.SnapshotOf(frames));
    }

    private static CacheState State(KmemCache cache) => State(cache, cache.Slabs().OrderBy(s => s.Pfn));

    private static CacheState State(KmemCache cache, IEnumerable<SlabDescriptor> slabs) =>
        new(cache.Id, cache.Name, cache.Geometry, cache.Ctor, cache.CtorCalls,
            [.. slabs.Select(s => new SlabState(new Pfn((ulong)s.Pfn), s.Order, s.List, SortedFreeIndices(s)))]);

    /// <summary>The large kmallocs that start in [start, end): frames that are their own head.</summary>
    private List<Block> LargeIn(int start, int end)
    {
        var large = new List<Block>();
        for (var pfn = start; pfn < end; pfn++)
        {
            if (_largeHead[pfn] == pfn)
            {
                large.Add(new Block(new Pfn((ulong)pfn), new Order(_largeOrder[pfn])));
            }
        }

        return large;
    }

    /// <summary>
    /// The freelist's indices in ascending order, by counting sort (indices are below the object count): O(objects),
    /// and an index the walk meets twice comes out twice, as a sort of the walk would give it.
    /// </summary>
    private static ImmutableArray<int> SortedFreeIndices(SlabDescriptor slab)
    {
        var seen = new int[slab.FreeNext.Length];
        var count = 0;
        foreach (var index in FreeIndices(slab))
        {
            seen[index]++;
            count++;
        }

        var sorted = ImmutableArray.CreateBuilder<int>(count);
        for (var index = 0; index < seen.Length; index++)
        {
            for (var times = 0; times < seen[index]; times++)
            {
                sorted.Add(index);
            }
        }

        return sorted.MoveToImmutable();
    }

    /// <summary>
    /// The freelist, walked at most one step past the object count, so a cycle shows as a repeated index, not a hang.
    /// </summary>
    private static IEnumerable<int> FreeIndices(SlabDescriptor slab)
    {
        var steps = 0;
        for (var i = slab.FreeHead; i >= 0 && steps <= slab.FreeNext.Length; i = slab.FreeNext[i], steps++)
        {
            yield return i;
        }
    }

    private KmemCache? Find(CacheId id) => id.Value >= 0 && id.Value < _caches.Count ? _caches[id.Value] : null;
}
