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

    private void Track(SlabOp op, MmError? error, VirtAddr? returned, SlabSnapshot? before, SlabSnapshot after,
        StepLog log)
    {
        if (error is not null)
        {
            log.Reached(error switch
            {
                SlabOutOfMemory => GrowthExhausted,
                ObjectsRemaining => DestroyBusy,
                _ when op is Kfree or KmemCacheFree => InvalidFreeRejected,
                _ => OtherInvalidRejected,
            });
            return;
        }

        // Only these change the set of caches, and they always get the whole snapshots.
        if (op is KmemCacheCreate or KmemCacheDestroy && before is not null)
        {
            _caches.AddRange(after.Caches.Select(c => c.Id)
                .Where(id => id.Value >= KmallocSizes.CacheSizes.Length && before.Cache(id) is null));
            if (_caches.RemoveAll(id => after.Cache(id) is null) > 0)
            {
                log.Reached(DestroyDone);
            }
        }

        switch (op)
        {
            case KmemCacheAlloc or Kmalloc when returned is { } addr && addr != KmallocSizes.ZeroSizePtr:
                TrackAlloc(addr, after, log);
                break;
            case Kfree { Addr: var addr } when _live.RemoveAll(o => o.Addr == addr) > 0:
                _freed.Add(addr);
                break;
            case KmemCacheFree { Obj: var addr } when _live.RemoveAll(o => o.Addr == addr) > 0:
                _freed.Add(addr);
                break;
            case KmemCacheShrink s when before?.Cache(s.Cache)?.Slabs is { } slabs
                && slabs.Any(x => x.List == SlabList.Empty) && slabs.Any(x => x.List == SlabList.Partial):
                log.Reached(ShrinkMixed);
                break;
        }
    }

    private void TrackAlloc(VirtAddr addr, SlabSnapshot after, StepLog log)
    {
        if (after.SlabAt(addr) is not var (cache, slab))
        {
            var block = after.Large.Single(b => DirectMap.Of(b.Pfn) == addr);
            _live.Add(new LiveObject(addr, null, Pfn.PageSize << block.Order.Value, block));
            log.Reached(LargeKmalloc);
            return;
        }

        _live.Add(new LiveObject(addr, cache.Id, cache.Geometry.Size, slab.Block));
        if (!_known.TryGetValue(cache.Id, out var known))
        {
            known = _known[cache.Id] = new KnownCache(cache.Geometry.Order, []);
        }

        // A slab the cache had before with one object in use now had none: it was on the empty list.
        var reused = !known.Slabs.Add(slab.Pfn);
        if (reused && cache.InUse(slab) == 1)
        {
            log.Reached(EmptySlabReused);
        }

        if (reused && cache.Ctor is not null)
        {
            log.Reached(ConstructedReuse);
        }

        if (known.Slabs.Count >= 4)
        {
            log.Reached(ManySlabs);
        }
    }

    /// <summary>
    /// A live object as the run knows it: its address, its cache (null for a large kmalloc), its usable size, and its
    /// block (its slab's, or the large kmalloc's).
    /// </summary>
    private sealed record LiveObject(VirtAddr Addr, CacheId? Cache, ulong Size, Block Block);

    /// <summary>A cache as the run knows it: its slab order and the slabs it has.</summary>
    private sealed record KnownCache(Order SlabOrder, HashSet<Pfn> Slabs);
}
