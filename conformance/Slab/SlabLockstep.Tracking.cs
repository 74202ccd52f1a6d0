using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Slab;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Slab;

/// <summary>
/// What the run learns after a step that passed: the scenarios it reached, the caches created and destroyed,
/// the live and freed objects, and each cache's slab order and slabs.
/// </summary>
public sealed partial class SlabLockstep
{
    private void Learn(SlabSnapshot whole) =>
        _known = whole.Caches.ToDictionary(c => c.Id,
            c => new KnownCache(c.Geometry.Order, [.. c.Slabs.Select(slab => slab.Pfn)]));

    public static IReadOnlyList<Scenario<SlabStepReached>> Scenarios { get; } =
    [
        new(ManySlabs, static r => r.SlabsOfCache >= 4),
        new(ShrinkMixed, static r => r.ShrankMixed),
        new(GrowthExhausted, static r => r.Error is SlabOutOfMemory),
        new(LargeKmalloc, static r => r.Large),
        new(InvalidFreeRejected, static r => r is { Error: not null and not SlabOutOfMemory and not ObjectsRemaining,
            Op: Kfree or KmemCacheFree }),
        new(OtherInvalidRejected, static r => r is { Error: not null and not SlabOutOfMemory and not ObjectsRemaining,
            Op: not Kfree and not KmemCacheFree }),
        new(EmptySlabReused, static r => r.EmptySlabReused),
        new(ConstructedReuse, static r => r.ConstructedReused),
        new(DestroyBusy, static r => r.Error is ObjectsRemaining),
        new(DestroyDone, static r => r.Destroyed),
    ];

    public static IReadOnlyList<string> AllScenarios { get; } = Scenario<SlabStepReached>.Names(Scenarios);

    private void Track(SlabOp op, MmError? error, VirtAddr? returned, SlabSnapshot? before, SlabSnapshot after,
        StepLog log)
    {
        var reached = new SlabStepReached(op, error);
        if (error is null)
        {
            reached = TrackDone(op, returned, before, after, reached);
        }

        Scenario<SlabStepReached>.Track(Scenarios, reached, log);
    }

    /// <summary>The caches and objects after a call that succeeded, and what it reached.</summary>
    private SlabStepReached TrackDone(SlabOp op, VirtAddr? returned, SlabSnapshot? before, SlabSnapshot after,
        SlabStepReached reached)
    {
        // Only these change the set of caches, and they always get the whole snapshots.
        if (op is KmemCacheCreate or KmemCacheDestroy && before is not null)
        {
            foreach (var created in after.Caches.Select(c => c.Id)
                .Where(id => id.Value >= KmallocSizes.CacheSizes.Length && before.Cache(id) is null))
            {
                _caches.Take(created);
            }

            reached = reached with { Destroyed = _caches.ConsumeAll(id => after.Cache(id) is null) > 0 };
        }

        return op switch
        {
            KmemCacheAlloc or Kmalloc when returned is { } addr && addr != KmallocSizes.ZeroSizePtr =>
                TrackAlloc(addr, after, reached),
            Kfree { Addr: var addr } => Freed(addr, reached),
            KmemCacheFree { Obj: var addr } => Freed(addr, reached),
            KmemCacheShrink s when before?.Cache(s.Cache)?.Slabs is { } slabs => reached with
            {
                ShrankMixed = slabs.Any(x => x.List == SlabList.Empty) && slabs.Any(x => x.List == SlabList.Partial),
            },
            _ => reached,
        };
    }

    private SlabStepReached Freed(VirtAddr addr, SlabStepReached reached)
    {
        _objects.ConsumeAll(o => o.Addr == addr);
        return reached;
    }

    private SlabStepReached TrackAlloc(VirtAddr addr, SlabSnapshot after, SlabStepReached reached)
    {
        if (after.SlabAt(addr) is not var (cache, slab))
        {
            var block = after.Large.Single(b => DirectMap.Of(b.Pfn) == addr);
            _objects.Take(new SlabObject(addr, null, Pfn.PageSize << block.Order.Value, block));
            return reached with { Large = true };
        }

        _objects.Take(new SlabObject(addr, cache.Id, cache.Geometry.Size, slab.Block));
        if (!_known.TryGetValue(cache.Id, out var known))
        {
            known = _known[cache.Id] = new KnownCache(cache.Geometry.Order, []);
        }

        // A slab the cache had before with one object in use now had none: it was on the empty list.
        var reused = !known.Slabs.Add(slab.Pfn);
        return reached with
        {
            EmptySlabReused = reused && cache.InUse(slab) == 1,
            ConstructedReused = reused && cache.Ctor is not null,
            SlabsOfCache = known.Slabs.Count,
        };
    }

    /// <summary>A cache as the run knows it: its slab order and the slabs it has.</summary>
    private sealed record KnownCache(Order SlabOrder, HashSet<Pfn> Slabs);
}

/// <summary>
/// An object live in a slab lockstep run: its address, its cache (null for a large kmalloc), its usable size, and its
/// block (its slab's, or the large kmalloc's).
/// </summary>
public sealed record SlabObject(VirtAddr Addr, CacheId? Cache, ulong Size, Block Block);

/// <summary>
/// What one slab step reached, for the scenarios: the call and its error, whether it destroyed a cache, made a
/// large kmalloc, reused an empty slab or a constructed object, how many slabs its cache has had, and whether it
/// shrank a cache with both empty and partial slabs.
/// </summary>
public readonly record struct SlabStepReached(SlabOp Op, MmError? Error)
{
    public bool Destroyed { get; init; }

    public bool Large { get; init; }

    public bool EmptySlabReused { get; init; }

    public bool ConstructedReused { get; init; }

    public int SlabsOfCache { get; init; }

    public bool ShrankMixed { get; init; }
}
