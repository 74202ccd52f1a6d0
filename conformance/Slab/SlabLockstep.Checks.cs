using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Slab;
using MMSpec.Conformance.Buddy;

using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Slab;

/// <summary>
/// The checks after each step: the rules that need no model (unchanged on error, invariants, placement, liveness,
/// exhaustion, the exact SLUB steps), then both sides' invariants and equal whole snapshots.
/// </summary>
public sealed partial class SlabLockstep
{
    /// <summary>
    /// The rules that need no model: safe, then exact (the most specific), then live. With <paramref name="window"/>
    /// the snapshots are the part around those frames, and the invariants are the ones that part can break.
    /// </summary>
    private Violation? CheckIndependently(SlabOp op, MmError? error, VirtAddr? returned, SlabSnapshot? before,
        SlabSnapshot after, PfnRange? window)
    {
        if (checks.HasFlag(Level.Safe))
        {
            if (error is not null && before is not null && !after.SameAs(before)
                && after.DiffFrom(before) is { } changed)
            {
                return new Violation(SlabRules.UnchangedOnError, $"{op} failed but changed the state: {changed}");
            }

            var invariants = window is { } frames ? SlabInvariants.Window(after, frames) : SlabInvariants.All(after);
            if (invariants.FirstOrDefault() is { } broken)
            {
                return broken with { Detail = $"implementation: {broken.Detail}" };
            }

            if (((returned is { } addr ? CheckReturned(op, addr, before, after) : null)
                ?? CheckLiveness(op, error)) is { } misplaced)
            {
                return misplaced;
            }
        }

        // The live and exact rules always get the whole state before.
        if (checks.HasFlag(Level.Exact) && before is { } old
            && CheckExact(op, error, returned, old, after) is { } inexact)
        {
            return inexact;
        }

        return checks.HasFlag(Level.Live) && before is { } whole ? CheckExhaustion(op, error, whole) : null;
    }

    /// <summary>
    /// A new object lies in a slab of its cache, at a slot start, aligned, in use, and is not an object already live.
    /// </summary>
    private Violation? CheckReturned(SlabOp op, VirtAddr addr, SlabSnapshot? before, SlabSnapshot after)
    {
        if (_live.Any(o => o.Addr == addr))
        {
            return new Violation(SlabRules.ObjectOverlap, $"{op} returned {addr}, which is already a live object");
        }

        if (op is Kmalloc { Size: 0 })
        {
            return addr == KmallocSizes.ZeroSizePtr
                ? null
                : new Violation(SlabRules.ObjectInSlab, $"kmalloc(0) returned {addr}, not ZERO_SIZE_PTR");
        }

        if (op is Kmalloc { Size: > KmallocSizes.MaxCacheSize } large)
        {
            var block = new Block(
                DirectMap.TryPfn(addr, after.Pages.Layout.FrameCount, out var pfn, out _) ? pfn : default,
                KmallocSizes.LargeOrder(large.Size));
            return after.Large.Contains(block) && before?.Large.Contains(block) != true
                && DirectMap.Of(block.Pfn) == addr
                ? null
                : new Violation(
                    SlabRules.ObjectInSlab,
                    $"{op} returned {addr}, which does not start a new large kmalloc block of order {block.Order}");
        }

        if (after.SlabAt(addr) is not var (cache, slab))
        {
            return new Violation(SlabRules.ObjectInSlab, $"{op} returned {addr}, which lies in no slab");
        }

        var offset = addr.Value - slab.Base.Value;
        var index = (int)(offset / cache.Geometry.Size);
        var rightCache = op is KmemCacheAlloc a
            ? cache.Id == a.Cache
            : cache.Id.Value < KmallocSizes.CacheSizes.Length && cache.Geometry.Size >= ((Kmalloc)op).Size;
        if (!rightCache || offset % cache.Geometry.Size != 0 || addr.Value % cache.Geometry.Align != 0
            || index >= cache.Geometry.ObjectsPerSlab
            || slab.FreeObjects.Contains(index))
        {
            return new Violation(
                SlabRules.ObjectInSlab,
                $"{op} returned {addr}: object {offset / (double)cache.Geometry.Size} of {cache.Name} slab {slab}, "
                + $"align {cache.Geometry.Align}");
        }

        return null;
    }

    /// <summary>
    /// Frees, ksize, reads and writes succeed exactly on live objects (kfree also on ZERO_SIZE_PTR), with the object's
    /// own cache.
    /// </summary>
    private Violation? CheckLiveness(SlabOp op, MmError? error)
    {
        var (addr, cache) = op switch
        {
            Kfree f => (f.Addr, (CacheId?)null),
            KmemCacheFree f => (f.Obj, f.Cache),
            Ksize k => (k.Addr, null),
            ReadWord r => (r.Obj, null),
            WriteWord w => (w.Obj, null),
            _ => (default(VirtAddr), (CacheId?)null),
        };
        if (addr == default)
        {
            return null;
        }

        var live = _live.FirstOrDefault(o => o.Addr == addr);
        var zero = addr.Value <= KmallocSizes.ZeroSizePtr.Value && op is Kfree or Ksize;
        var accept = zero || (live is not null && (cache is null || live.Cache == cache)
            && (op is not ReadWord and not WriteWord || live.Cache is not null));
        return accept == (error is null)
            ? null
            : new Violation(SlabRules.OnlyLiveObjects, accept
                ? $"{op} refused a live object: {error}"
                : $"{op} succeeded on {addr}, which is not a live object"
                    + $"{(live is null ? string.Empty : $" of cache {cache}")} (a double free or a bad pointer)");
    }

    /// <summary>
    /// Out of memory only when the cache has no free object and no free aligned block of the order exists.
    /// </summary>
    private static Violation? CheckExhaustion(SlabOp op, MmError? error, SlabSnapshot before)
    {
        var (order, freeObject) = error switch
        {
            SlabOutOfMemory => SlabNeeds(op, before),
            LargeKmallocOutOfMemory large => (large.Order, false),
            _ => (new Order(-1), false),
        };
        if (order.Value < 0)
        {
            return null;
        }

        return freeObject || BuddyRules.FreeAlignedBlockExists(before.Pages, order, ZoneType.Normal)
            ? new Violation(
                SlabRules.FailsOnlyWhenExhausted,
                $"{op} failed with {error} although "
                + $"{(freeObject ? "the cache has a free object" : $"a free block of order {order} exists")}")
            : null;
    }

    private static (Order Order, bool FreeObject) SlabNeeds(SlabOp op, SlabSnapshot before)
    {
        var cache = op is KmemCacheAlloc a
            ? before.Cache(a.Cache)!
            : before.Caches
                .Where(c => c.Id.Value < KmallocSizes.CacheSizes.Length && c.Geometry.Size >= ((Kmalloc)op).Size)
                .First();
        return (cache.Geometry.Order, cache.Slabs.Any(s => !s.FreeObjects.IsEmpty));
    }

    /// <summary>
    /// Level 3: ___slab_alloc's order of sources, the constructor only for new slabs, Linux's kmalloc size classes.
    /// </summary>
    private static Violation? CheckExact(
        SlabOp op, MmError? error, VirtAddr? returned, SlabSnapshot before, SlabSnapshot after)
    {
        if (error is SlabOutOfMemory && SlabNeeds(op, before).FreeObject)
        {
            return new Violation(
                SlabRules.NewSlabOnlyWhenNeeded,
                $"{op} asked the buddy allocator for a new slab (and failed: {error}) "
                + "while a slab of the cache had a free object");
        }

        foreach (var cache in after.Caches)
        {
            var old = before.Cache(cache.Id);
            var newSlabs = cache.Slabs.Count(s => old?.Slabs.All(o => o.Pfn != s.Pfn) != false);
            var expected = (old?.CtorCalls ?? 0)
                + (cache.Ctor is null ? 0 : (long)newSlabs * cache.Geometry.ObjectsPerSlab);
            if (cache.CtorCalls != expected)
            {
                return new Violation(
                    SlabRules.ConstructorOnce,
                    $"after {op}: {cache.Name} constructor calls {old?.CtorCalls ?? 0} -> {cache.CtorCalls}, "
                    + $"expected {expected} ({newSlabs} new slabs of {cache.Geometry.ObjectsPerSlab})");
            }
        }

        if (returned is not { } addr || after.SlabAt(addr) is not var (owner, slab))
        {
            return null;
        }

        if (op is Kmalloc k && owner.Name != SlabRules.LinuxKmallocCache(k.Size))
        {
            return new Violation(
                SlabRules.KmallocSizeClass,
                $"kmalloc({k.Size}) used {owner.Name}; Linux uses {SlabRules.LinuxKmallocCache(k.Size)}");
        }

        var slabsBefore = before.Cache(owner.Id)!.Slabs;
        var source = slabsBefore.Any(s => s.List == SlabList.Partial) ? SlabList.Partial
            : slabsBefore.Any(s => s.List == SlabList.Empty) ? SlabList.Empty
            : (SlabList?)null;
        var from = slabsBefore.FirstOrDefault(s => s.Pfn == slab.Pfn);
        return from?.List == source
            ? null
            : new Violation(
                SlabRules.NewSlabOnlyWhenNeeded,
                $"{op} took {addr} from {(from is null ? "a new slab" : $"a {from.List} slab")} of {owner.Name}, "
                + $"but {(source is { } list ? $"a {list} slab had a free object" : "no slab had one")}");
    }

    /// <summary>
    /// Invariants on both sides, then equal snapshots. The implementation's invariants are skipped when the step
    /// already checked them; the model's when the snapshots are equal (equal snapshots break the same rules).
    /// </summary>
    private Violation? CheckState(SlabSnapshot actual, bool implementationChecked)
    {
        var expected = model.Snapshot();
        var same = actual.SameAs(expected);
        var implementation = implementationChecked ? []
            : SlabInvariants.All(actual).Select(v => v with { Detail = $"implementation: {v.Detail}" });
        var broken = same ? implementation.FirstOrDefault() : implementation
            .Concat(SlabInvariants.All(expected).Select(v => v with { Detail = $"model: {v.Detail}" }))
            .FirstOrDefault();
        if (broken is not null)
        {
            return broken;
        }

        return !same && actual.DiffFrom(expected) is { } diff
            ? new Violation(SlabRules.SnapshotsEqual, $"implementation vs model: {diff}")
            : null;
    }
}
