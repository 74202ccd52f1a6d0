using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Slab;
using MMSpec.Conformance.Buddy;

using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Slab;

/// <summary>
/// What one slab step did, for the rules: the call, its error, the object it returned, the implementation's state
/// before (null on the incremental check) and after, the frames the incremental check took (null for the whole
/// state), and the objects live before the step.
/// </summary>
public readonly record struct SlabStepDone(SlabOp Op, MmError? Error, VirtAddr? Returned, SlabSnapshot? Before,
    SlabSnapshot After, PfnRange? Window, IReadOnlyList<SlabObject> Live);

/// <summary>
/// The rules checked after each step, as data: those that need no model (unchanged on error, the invariants,
/// placement, liveness, the exact SLUB steps, exhaustion), then both sides' invariants and equal snapshots.
/// </summary>
public sealed partial class SlabLockstep
{
    /// <summary>
    /// The rules that need no model, in order: safe, then exact (the most specific), then live. On the incremental
    /// check the snapshots are the part around the step's frames, and the invariants are the ones that part can
    /// break; the live and exact rules always get the whole state before.
    /// </summary>
    public static IReadOnlyList<Rule<SlabStepDone>> Rules { get; } =
    [
        SharedRules.Unchanged<SlabStepDone>(static d => d.Op, static d => d.Error,
            static d => d.Before is { } b && !d.After.SameAs(b) ? d.After.DiffFrom(b) : null),
        Rule<SlabStepDone>.Invariants(Level.Safe, static d =>
                (d.Window is { } frames ? SlabInvariants.Window(d.After, frames) : SlabInvariants.All(d.After))
                .FirstOrDefault() is { } broken ? broken with { Detail = $"implementation: {broken.Detail}" } : null,
            new(SlabInvariants.SlabGeometry, static d => NewSlab(d) is not null),
            new(SlabInvariants.NoOverlap, static d => d.Returned is not null && d.Live.Count > 0),
            new(SlabInvariants.PagesAreBuddyBlocks, static d => NewSlab(d) is not null || SlabsGone(d)),
            new(SlabInvariants.ListMembership, static d => d.Error is null && ObjectAddress(d.Op) is not null),
            new(SlabInvariants.ConstructorCount, static d => NewSlab(d) is { Ctor: not null })),
        Rule<SlabStepDone>.Of(SlabRules.ObjectOverlap, Level.Safe, static d =>
                d.Returned is { } addr && d.Live.Any(o => o.Addr == addr)
                    ? $"{d.Op} returned {addr}, which is already a live object" : null,
            static d => d.Returned is not null && d.Live.Count > 0),
        Rule<SlabStepDone>.Of(SlabRules.ObjectInSlab, Level.Safe,
            static d => d.Returned is { } addr ? Misplaced(d.Op, addr, d.Before, d.After) : null,
            static d => d.Returned is not null),
        Rule<SlabStepDone>.Of(SlabRules.OnlyLiveObjects, Level.Safe, static d => Liveness(d.Op, d.Error, d.Live),
            static d => ObjectAddress(d.Op) is not null),
        Rule<SlabStepDone>.Of(SlabRules.NewSlabOnlyWhenNeeded, Level.Exact,
            static d => d.Before is { } b ? NewSlabUnneeded(d.Op, d.Error, d.Returned, b, d.After) : null,
            static d => d.Error is SlabOutOfMemory || (d.Returned is { } addr && HadSlabs(d, addr))),
        Rule<SlabStepDone>.Of(SlabRules.ConstructorOnce, Level.Exact,
            static d => d.Before is { } b ? ConstructorCalls(d.Op, b, d.After) : null,
            static d => d.Returned is { } addr && d.After.SlabAt(addr) is ({ Ctor: not null }, _)),
        Rule<SlabStepDone>.Of(SlabRules.KmallocSizeClass, Level.Exact,
            static d => SizeClass(d.Op, d.Returned, d.After),
            static d => d is { Op: Kmalloc { Size: > 0 and <= KmallocSizes.MaxCacheSize }, Returned: not null }),
        Rule<SlabStepDone>.Of(SlabRules.FailsOnlyWhenExhausted, Level.Live,
            static d => d.Before is { } b ? NotExhausted(d.Op, d.Error, b) : null,
            static d => d.Error is SlabOutOfMemory or LargeKmallocOutOfMemory),
    ];

    /// <summary>
    /// The errors a slab allocator returns, each a rule ("exactly when it applies") that a step puts to the test by
    /// returning it.
    /// </summary>
    public static IReadOnlyList<Type> ErrorKinds { get; } =
    [
        typeof(InvalidObjectSize), typeof(InvalidAlignment), typeof(UnknownCache), typeof(ObjectsRemaining),
        typeof(BootCache), typeof(SlabOutOfMemory), typeof(LargeKmallocOutOfMemory), typeof(KmallocTooLarge),
        typeof(AddressOutsideDirectMap), typeof(NotSlabPage), typeof(NotObjectStart), typeof(ObjectAlreadyFree),
        typeof(WrongCache),
    ];

    /// <summary>
    /// The rules a run at <paramref name="checks"/> puts to the test: model-permits, the rules of those levels, and
    /// (safe level) every error kind.
    /// </summary>
    public static IReadOnlyList<string> Coverage(Level checks) =>
    [
        SharedRules.ModelPermits, .. Rule<SlabStepDone>.Names(Rules, checks),
        .. (checks & Level.Safe) != 0 ? ErrorKinds.Select(SharedRules.Returned) : [],
    ];

    /// <summary>The cache a step gave a new slab (one its state before did not have), or null.</summary>
    private static CacheState? NewSlab(SlabStepDone d) =>
        d is { Returned: { } addr, Before: { } before } && d.After.SlabAt(addr) is var (cache, slab)
        && before.Cache(cache.Id)?.Slabs.Any(s => s.Pfn == slab.Pfn) != true
            ? cache
            : null;

    /// <summary>The step gave slabs back to the buddy allocator (a shrink or a destroy that freed some).</summary>
    private static bool SlabsGone(SlabStepDone d) =>
        d is { Error: null, Op: KmemCacheShrink or KmemCacheDestroy, Before: { } before }
        && before.Caches.Sum(c => c.Slabs.Length) > d.After.Caches.Sum(c => c.Slabs.Length);

    /// <summary>Whether the object's cache had slabs before: partial, empty and new were choices.</summary>
    private static bool HadSlabs(SlabStepDone d, VirtAddr addr) =>
        d.Before is { } before && d.After.SlabAt(addr) is var (cache, _)
        && before.Cache(cache.Id) is { Slabs.IsEmpty: false };

    /// <summary>The object a free, ksize, read or write passes, or null for the other calls.</summary>
    private static VirtAddr? ObjectAddress(SlabOp op) => op switch
    {
        Kfree f => f.Addr,
        KmemCacheFree f => f.Obj,
        Ksize k => k.Addr,
        ReadWord r => r.Obj,
        WriteWord w => w.Obj,
        _ => null,
    };

    /// <summary>
    /// A new object lies in a slab of its cache, at a slot start, aligned and in use (kmalloc(0) is ZERO_SIZE_PTR; a
    /// large kmalloc starts a new block of its order).
    /// </summary>
    private static string? Misplaced(SlabOp op, VirtAddr addr, SlabSnapshot? before, SlabSnapshot after)
    {
        if (op is Kmalloc { Size: 0 })
        {
            return addr == KmallocSizes.ZeroSizePtr ? null : $"kmalloc(0) returned {addr}, not ZERO_SIZE_PTR";
        }

        if (op is Kmalloc { Size: > KmallocSizes.MaxCacheSize } large)
        {
            var block = new Block(
                DirectMap.TryPfn(addr, after.Pages.Layout.FrameCount, out var pfn, out _) ? pfn : default,
                KmallocSizes.LargeOrder(large.Size));
            return after.Large.Contains(block) && before?.Large.Contains(block) != true
                && DirectMap.Of(block.Pfn) == addr
                ? null
                : $"{op} returned {addr}, which does not start a new large kmalloc block of order {block.Order}";
        }

        if (after.SlabAt(addr) is not var (cache, slab))
        {
            return $"{op} returned {addr}, which lies in no slab";
        }

        var offset = addr.Value - slab.Base.Value;
        var index = (int)(offset / cache.Geometry.Size);
        var rightCache = op is KmemCacheAlloc a
            ? cache.Id == a.Cache
            : cache.Id.Value < KmallocSizes.CacheSizes.Length && cache.Geometry.Size >= ((Kmalloc)op).Size;
        var misplaced = !rightCache || offset % cache.Geometry.Size != 0 || addr.Value % cache.Geometry.Align != 0
            || index >= cache.Geometry.ObjectsPerSlab || slab.FreeObjects.Contains(index);
        return misplaced
            ? $"{op} returned {addr}: object {offset / (double)cache.Geometry.Size} of {cache.Name} slab {slab}, "
                + $"align {cache.Geometry.Align}"
            : null;
    }

    /// <summary>
    /// Frees, ksize, reads and writes succeed exactly on live objects (kfree also on ZERO_SIZE_PTR), with the object's
    /// own cache.
    /// </summary>
    private static string? Liveness(SlabOp op, MmError? error, IReadOnlyList<SlabObject> objects)
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

        var live = objects.FirstOrDefault(o => o.Addr == addr);
        var zero = addr.Value <= KmallocSizes.ZeroSizePtr.Value && op is Kfree or Ksize;
        var accept = zero || (live is not null && (cache is null || live.Cache == cache)
            && (op is not ReadWord and not WriteWord || live.Cache is not null));
        if (accept == (error is null))
        {
            return null;
        }

        return accept
            ? $"{op} refused a live object: {error}"
            : $"{op} succeeded on {addr}, which is not a live object"
                + $"{(live is null ? string.Empty : $" of cache {cache}")} (a double free or a bad pointer)";
    }

    /// <summary>
    /// Out of memory only when the cache has no free object and no free aligned block of the order exists.
    /// </summary>
    private static string? NotExhausted(SlabOp op, MmError? error, SlabSnapshot before)
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
            ? $"{op} failed with {error} although "
                + $"{(freeObject ? "the cache has a free object" : $"a free block of order {order} exists")}"
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
    /// Level 3, ___slab_alloc's order of sources: no new slab while a slab of the cache has a free object, and an
    /// object from a partial slab, else an empty one, else a new one.
    /// </summary>
    private static string? NewSlabUnneeded(SlabOp op, MmError? error, VirtAddr? returned, SlabSnapshot before,
        SlabSnapshot after)
    {
        if (error is SlabOutOfMemory && SlabNeeds(op, before).FreeObject)
        {
            return $"{op} asked the buddy allocator for a new slab (and failed: {error}) "
                + "while a slab of the cache had a free object";
        }

        if (returned is not { } addr || after.SlabAt(addr) is not var (owner, slab))
        {
            return null;
        }

        var slabsBefore = before.Cache(owner.Id)!.Slabs;
        var source = slabsBefore.Any(s => s.List == SlabList.Partial) ? SlabList.Partial
            : slabsBefore.Any(s => s.List == SlabList.Empty) ? SlabList.Empty
            : (SlabList?)null;
        var from = slabsBefore.FirstOrDefault(s => s.Pfn == slab.Pfn);
        return from?.List == source
            ? null
            : $"{op} took {addr} from {(from is null ? "a new slab" : $"a {from.List} slab")} of {owner.Name}, "
                + $"but {(source is { } list ? $"a {list} slab had a free object" : "no slab had one")}";
    }

    /// <summary>Level 3: the constructor runs once per object of each new slab, and never again.</summary>
    private static string? ConstructorCalls(SlabOp op, SlabSnapshot before, SlabSnapshot after)
    {
        foreach (var cache in after.Caches)
        {
            var old = before.Cache(cache.Id);
            var newSlabs = cache.Slabs.Count(s => old?.Slabs.All(o => o.Pfn != s.Pfn) != false);
            var expected = (old?.CtorCalls ?? 0)
                + (cache.Ctor is null ? 0 : (long)newSlabs * cache.Geometry.ObjectsPerSlab);
            if (cache.CtorCalls != expected)
            {
                return $"after {op}: {cache.Name} constructor calls {old?.CtorCalls ?? 0} -> {cache.CtorCalls}, "
                    + $"expected {expected} ({newSlabs} new slabs of {cache.Geometry.ObjectsPerSlab})";
            }
        }

        return null;
    }

    /// <summary>Level 3: kmalloc uses Linux's size class (kmalloc_slab).</summary>
    private static string? SizeClass(SlabOp op, VirtAddr? returned, SlabSnapshot after) =>
        op is Kmalloc k && returned is { } addr && after.SlabAt(addr) is var (owner, _)
            && owner.Name != SlabRules.LinuxKmallocCache(k.Size)
            ? $"kmalloc({k.Size}) used {owner.Name}; Linux uses {SlabRules.LinuxKmallocCache(k.Size)}"
            : null;

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
