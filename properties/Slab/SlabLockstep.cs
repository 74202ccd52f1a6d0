using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Slab;
using MMSpec.Properties.Buddy;
using MMSpec.Properties.Lockstep;

namespace MMSpec.Properties.Slab;

/// <summary>
/// Binds a slab allocator under test to the reference model for the lockstep runner. Any
/// <see cref="ISlabAllocator"/> can be checked this way. After each step the rules that need no model come
/// first (invariants, placement, which addresses are live, liveness, the exact SLUB steps), so a failure names
/// the most specific rule; then the model must permit the result and agree on the snapshot.
/// </summary>
public sealed class SlabLockstep(ISlabAllocator impl, SlabModel model, SlabChecks checks) : ILockstepSubject<SlabStep>
{
    public const string ManySlabs = "cache filled 4+ slabs";
    public const string ShrinkMixed = "shrink with empty and partial slabs";
    public const string GrowthExhausted = "buddy exhausted during slab growth";
    public const string LargeKmalloc = "large kmalloc";
    public const string InvalidFreeRejected = "invalid free rejected";
    public const string OtherInvalidRejected = "other invalid op rejected";
    public const string EmptySlabReused = "alloc from an empty slab";
    public const string ConstructedReuse = "constructed object reused";
    public const string DestroyBusy = "destroy with live objects refused";
    public const string DestroyDone = "cache destroyed";

    private readonly List<CacheId> _caches = [.. Enumerable.Range(0, KmallocSizes.CacheSizes.Length).Select(i => new CacheId(i))];
    private readonly List<LiveObject> _live = [];
    private readonly List<VirtAddr> _freed = [];
    private int _created;

    // The state after the last step: the next step's state before, so each step takes one snapshot of the implementation.
    private SlabSnapshot? _last;

    // Each cache's slab order and the slabs it had after the last step: from each whole snapshot, plus the new slab
    // an allocation took since.
    private Dictionary<CacheId, KnownCache> _known = [];

    private static readonly PfnRange NoFrames = new(new Pfn(0), new Pfn(0));

    public static IReadOnlyList<string> AllScenarios { get; } =
        [ManySlabs, ShrinkMixed, GrowthExhausted, LargeKmalloc, InvalidFreeRejected, OtherInvalidRejected, EmptySlabReused, ConstructedReuse, DestroyBusy, DestroyDone];

    public Violation? CheckInitialState()
    {
        if (!checks.HasFlag(SlabChecks.Safe))
        {
            return null;
        }

        var initial = impl.Snapshot();
        Learn(initial);
        return CheckState(initial, implementationChecked: false);
    }

    /// <summary>
    /// Runs one step. The full check takes whole snapshots; the incremental one (safe level only, and not for
    /// kmem_cache_create, _shrink or _destroy: the other rules, and the steps that change the set of caches or many
    /// slabs, get the whole state) takes both sides' <see cref="ISlabAllocator.SnapshotOf"/> for the caches the step
    /// names and the block (slab or large kmalloc) of the object it passes or gets back: the slab the object lives in
    /// and the buddy block the step took or gave back.
    /// </summary>
    public Violation? Apply(SlabStep operation, StepLog log)
    {
        var op = Resolve(operation);
        if (op is null)
        {
            return null;
        }

        var focus = log.FullCheck || checks != SlabChecks.Safe ? null : FocusOf(op);
        // An incremental step compares with the model, which changes nothing on an error, so it needs no state before.
        var before = focus is null ? _last ?? impl.Snapshot() : null;
        _last = null;
        var (error, result, returned, why) = Run(op);
        if (log.Tracing)
        {
            log.Call = $"{op} = {result()}";
        }

        var touched = focus is { } named && returned is { } addr
            ? named with { Frames = AllocatedFrames(op, named, addr) }
            : focus;
        var after = touched is { } part ? impl.SnapshotOf(part.Caches, part.Frames) : impl.Snapshot();
        _last = touched is null ? after : null;
        var violation = CheckIndependently(op, error, returned, before, after, touched?.Frames)
            ?? (why is null ? null : new Violation(SlabRules.ModelPermits, why))
            ?? (touched is { } checkedPart ? CheckFocus(after, checkedPart)
                : checks.HasFlag(SlabChecks.Safe) ? CheckState(after, implementationChecked: true) : null);
        if (violation is null)
        {
            Track(op, error, returned, before, after, log);
            if (touched is null)
            {
                Learn(after);
            }
        }

        return violation;
    }

    /// <summary>Frees every live object, shrinks every cache and destroys the created ones, checking each step; for the live property.</summary>
    public Violation? FreeAllAndShrink(StepLog log)
    {
        while (_live.Count > 0)
        {
            if (Apply(new KfreeStep(0), log) is { } freeing)
            {
                return freeing;
            }
        }

        for (var i = 0; i < _caches.Count; i++)
        {
            if (Apply(new ShrinkCache(i), log) is { } shrinking)
            {
                return shrinking;
            }
        }

        while (_caches.Count > KmallocSizes.CacheSizes.Length)
        {
            if (Apply(new DestroyCache(_caches.Count - 1), log) is { } destroying)
            {
                return destroying;
            }
        }

        return null;
    }

    private SlabOp? Resolve(SlabStep step)
    {
        switch (step)
        {
            case CreateCache c:
                _created++;
                return new KmemCacheCreate($"cache{_created}", (ulong)c.Size, (ulong)c.Align, c.Ctor ? new CacheCtor(0xc0de_0000UL + (ulong)_created) : null);
            case CacheAlloc a:
                return new KmemCacheAlloc(CacheAt(a.Cache));
            case KmallocStep k:
                return new Kmalloc((ulong)k.Size);
            case ShrinkCache s:
                return new KmemCacheShrink(CacheAt(s.Cache));
            case DestroyCache d:
                return new KmemCacheDestroy(CacheAt(d.Cache));
            case FreeRaw r:
                return new Kfree(Raw(r));
            case FreeAgain again:
                return _freed.Count == 0 ? null : new Kfree(_freed[_freed.Count - 1 - (again.Handle % _freed.Count)]);
        }

        if (_live.Count == 0)
        {
            return null;
        }

        return step switch
        {
            CacheFree f => _live[f.Handle % _live.Count] is { Cache: { } cache } o ? new KmemCacheFree(cache, o.Addr) : new Kfree(_live[f.Handle % _live.Count].Addr),
            KfreeStep f => new Kfree(_live[f.Handle % _live.Count].Addr),
            KfreeLast => new Kfree(_live[^1].Addr),
            Write w => new WriteWord(_live[w.Handle % _live.Count].Addr, w.Value),
            Read r => new ReadWord(_live[r.Handle % _live.Count].Addr),
            KsizeStep k => new Ksize(_live[k.Handle % _live.Count].Addr),
            FreeInterior i => Interior(_live[i.Handle % _live.Count], i.Offset),
            FreeWrongCache w => WrongCache(_live[w.Handle % _live.Count], w.Cache),
            _ => throw new ArgumentOutOfRangeException(nameof(step), step, "unknown slab step"),
        };
    }

    private CacheId CacheAt(int handle) => _caches[handle % _caches.Count];

    private VirtAddr Raw(FreeRaw raw)
    {
        var bytes = impl.Pages.Layout.FrameCount * Pfn.PageSize;
        return raw.Kind switch
        {
            RawPointer.BelowDirectMap => new VirtAddr(KmallocSizes.ZeroSizePtr.Value + 1 + raw.Value),
            RawPointer.PastDirectMap => new VirtAddr(DirectMap.PageOffset + bytes + raw.Value),
            _ => new VirtAddr(DirectMap.PageOffset + (raw.Value % bytes)),
        };
    }

    private static Kfree Interior(LiveObject o, int offset) => new(new VirtAddr(o.Addr.Value + 1 + ((ulong)offset % (o.Size - 1))));

    private KmemCacheFree WrongCache(LiveObject o, int handle)
    {
        var other = CacheAt(handle);
        return new KmemCacheFree(other == o.Cache ? CacheAt(handle + 1) : other, o.Addr);
    }

    private (MmError? Error, Func<string> Result, VirtAddr? Returned, string? Why) Run(SlabOp op) => op switch
    {
        KmemCacheCreate c => Compare(impl.KmemCacheCreate(c.Name, c.Size, c.Align, c.Ctor), model.KmemCacheCreate(c.Name, c.Size, c.Align, c.Ctor)),
        KmemCacheAlloc a => Adopted(op, impl.KmemCacheAlloc(a.Cache)),
        Kmalloc k => Adopted(op, impl.Kmalloc(k.Size)),
        KmemCacheFree f => Compare(impl.KmemCacheFree(f.Cache, f.Obj), model.KmemCacheFree(f.Cache, f.Obj)),
        KmemCacheShrink s => Compare(impl.KmemCacheShrink(s.Cache), model.KmemCacheShrink(s.Cache)),
        KmemCacheDestroy d => Compare(impl.KmemCacheDestroy(d.Cache), model.KmemCacheDestroy(d.Cache)),
        Kfree f => Compare(impl.Kfree(f.Addr), model.Kfree(f.Addr)),
        Ksize k => Compare(impl.Ksize(k.Addr), model.Ksize(k.Addr)),
        ReadWord r => Compare(impl.ReadWord(r.Obj), model.ReadWord(r.Obj)),
        WriteWord w => Compare(impl.WriteWord(w.Obj, w.Value), model.WriteWord(w.Obj, w.Value)),
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown slab op"),
    };

    private static (MmError?, Func<string>, VirtAddr?, string?) Compare<T>(Result<T> actual, Result<T> expected) =>
        (actual.Error, actual.ToString, null, actual == expected ? null : $"expected {expected}, got {actual}");

    private (MmError?, Func<string>, VirtAddr?, string?) Adopted(SlabOp op, Result<VirtAddr> actual) =>
        (actual.Error, actual.ToString, actual.IsOk ? actual.Value : null, model.Adopt(op, actual));

    /// <summary>
    /// The rules that need no model: safe, then exact (the most specific), then live. With <paramref name="window"/>
    /// the snapshots are the part around those frames, and the invariants are the ones that part can break.
    /// </summary>
    private Violation? CheckIndependently(SlabOp op, MmError? error, VirtAddr? returned, SlabSnapshot? before,
        SlabSnapshot after, PfnRange? window)
    {
        if (checks.HasFlag(SlabChecks.Safe))
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

            if (((returned is { } addr ? CheckReturned(op, addr, before, after) : null) ?? CheckLiveness(op, error)) is { } misplaced)
            {
                return misplaced;
            }
        }

        // The live and exact rules always get the whole state before.
        if (checks.HasFlag(SlabChecks.Exact) && before is { } old
            && CheckExact(op, error, returned, old, after) is { } inexact)
        {
            return inexact;
        }

        return checks.HasFlag(SlabChecks.Live) && before is { } whole ? CheckExhaustion(op, error, whole) : null;
    }

    /// <summary>A new object lies in a slab of its cache, at a slot start, aligned, in use, and is not an object already live.</summary>
    private Violation? CheckReturned(SlabOp op, VirtAddr addr, SlabSnapshot? before, SlabSnapshot after)
    {
        if (_live.Any(o => o.Addr == addr))
        {
            return new Violation(SlabRules.ObjectOverlap, $"{op} returned {addr}, which is already a live object");
        }

        if (op is Kmalloc { Size: 0 })
        {
            return addr == KmallocSizes.ZeroSizePtr ? null : new Violation(SlabRules.ObjectInSlab, $"kmalloc(0) returned {addr}, not ZERO_SIZE_PTR");
        }

        if (op is Kmalloc { Size: > KmallocSizes.MaxCacheSize } large)
        {
            var block = new Block(DirectMap.TryPfn(addr, after.Pages.Layout.FrameCount, out var pfn, out _) ? pfn : default, KmallocSizes.LargeOrder(large.Size));
            return after.Large.Contains(block) && before?.Large.Contains(block) != true
                && DirectMap.Of(block.Pfn) == addr
                ? null
                : new Violation(SlabRules.ObjectInSlab, $"{op} returned {addr}, which does not start a new large kmalloc block of order {block.Order}");
        }

        if (after.SlabAt(addr) is not var (cache, slab))
        {
            return new Violation(SlabRules.ObjectInSlab, $"{op} returned {addr}, which lies in no slab");
        }

        var offset = addr.Value - slab.Base.Value;
        var index = (int)(offset / cache.Geometry.Size);
        var rightCache = op is KmemCacheAlloc a ? cache.Id == a.Cache : cache.Id.Value < KmallocSizes.CacheSizes.Length && cache.Geometry.Size >= ((Kmalloc)op).Size;
        if (!rightCache || offset % cache.Geometry.Size != 0 || addr.Value % cache.Geometry.Align != 0 || index >= cache.Geometry.ObjectsPerSlab
            || slab.FreeObjects.Contains(index))
        {
            return new Violation(SlabRules.ObjectInSlab, $"{op} returned {addr}: object {offset / (double)cache.Geometry.Size} of {cache.Name} slab {slab}, align {cache.Geometry.Align}");
        }

        return null;
    }

    /// <summary>Frees, ksize, reads and writes succeed exactly on live objects (kfree also on ZERO_SIZE_PTR), with the object's own cache.</summary>
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
        var accept = zero || (live is not null && (cache is null || live.Cache == cache) && (op is not ReadWord and not WriteWord || live.Cache is not null));
        return accept == (error is null)
            ? null
            : new Violation(SlabRules.OnlyLiveObjects, accept
                ? $"{op} refused a live object: {error}"
                : $"{op} succeeded on {addr}, which is not a live object{(live is null ? string.Empty : $" of cache {cache}")} (a double free or a bad pointer)");
    }

    /// <summary>Out of memory only when the cache has no free object and no free aligned block of the order exists.</summary>
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
            ? new Violation(SlabRules.FailsOnlyWhenExhausted, $"{op} failed with {error} although {(freeObject ? "the cache has a free object" : $"a free block of order {order} exists")}")
            : null;
    }

    private static (Order Order, bool FreeObject) SlabNeeds(SlabOp op, SlabSnapshot before)
    {
        var cache = op is KmemCacheAlloc a ? before.Cache(a.Cache)! : before.Caches.Where(c => c.Id.Value < KmallocSizes.CacheSizes.Length && c.Geometry.Size >= ((Kmalloc)op).Size).First();
        return (cache.Geometry.Order, cache.Slabs.Any(s => !s.FreeObjects.IsEmpty));
    }

    /// <summary>Level 3: ___slab_alloc's order of sources, the constructor only for new slabs, Linux's kmalloc size classes.</summary>
    private static Violation? CheckExact(SlabOp op, MmError? error, VirtAddr? returned, SlabSnapshot before, SlabSnapshot after)
    {
        if (error is SlabOutOfMemory && SlabNeeds(op, before).FreeObject)
        {
            return new Violation(SlabRules.NewSlabOnlyWhenNeeded, $"{op} asked the buddy allocator for a new slab (and failed: {error}) while a slab of the cache had a free object");
        }

        foreach (var cache in after.Caches)
        {
            var old = before.Cache(cache.Id);
            var newSlabs = cache.Slabs.Count(s => old?.Slabs.All(o => o.Pfn != s.Pfn) != false);
            var expected = (old?.CtorCalls ?? 0) + (cache.Ctor is null ? 0 : (long)newSlabs * cache.Geometry.ObjectsPerSlab);
            if (cache.CtorCalls != expected)
            {
                return new Violation(SlabRules.ConstructorOnce, $"after {op}: {cache.Name} constructor calls {old?.CtorCalls ?? 0} -> {cache.CtorCalls}, expected {expected} ({newSlabs} new slabs of {cache.Geometry.ObjectsPerSlab})");
            }
        }

        if (returned is not { } addr || after.SlabAt(addr) is not var (owner, slab))
        {
            return null;
        }

        if (op is Kmalloc k && owner.Name != SlabRules.LinuxKmallocCache(k.Size))
        {
            return new Violation(SlabRules.KmallocSizeClass, $"kmalloc({k.Size}) used {owner.Name}; Linux uses {SlabRules.LinuxKmallocCache(k.Size)}");
        }

        var slabsBefore = before.Cache(owner.Id)!.Slabs;
        var source = slabsBefore.Any(s => s.List == SlabList.Partial) ? SlabList.Partial : slabsBefore.Any(s => s.List == SlabList.Empty) ? SlabList.Empty : (SlabList?)null;
        var from = slabsBefore.FirstOrDefault(s => s.Pfn == slab.Pfn);
        return from?.List == source
            ? null
            : new Violation(SlabRules.NewSlabOnlyWhenNeeded, $"{op} took {addr} from {(from is null ? "a new slab" : $"a {from.List} slab")} of {owner.Name}, but {(source is { } list ? $"a {list} slab had a free object" : "no slab had one")}");
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

    /// <summary>
    /// The incremental check's comparison: the same part of the model's state. Its invariants need no pass of their
    /// own: the implementation's part passed them, and a different part is flagged here.
    /// </summary>
    private Violation? CheckFocus(SlabSnapshot actual, Focus focus)
    {
        var expected = model.SnapshotOf(focus.Caches, focus.Frames);
        return !actual.SameAs(expected) && actual.DiffFrom(expected) is { } diff
            ? new Violation(SlabRules.SnapshotsEqual, $"implementation vs model in {focus.Frames}: {diff}")
            : null;
    }

    /// <summary>
    /// What a step that gets the incremental check names: its cache (an allocation's kmalloc cache by size) and the
    /// frames of the object whose address it passes. Null for the steps that always get the full check.
    /// </summary>
    private Focus? FocusOf(SlabOp op) => op switch
    {
        KmemCacheAlloc a => new Focus([a.Cache], NoFrames),
        Kmalloc { Size: > 0 and <= KmallocSizes.MaxCacheSize } k =>
            new Focus([new CacheId(KmallocSizes.IndexOf(k.Size))], NoFrames),
        Kmalloc => new Focus([], NoFrames),
        KmemCacheFree f => new Focus([f.Cache], FramesAround(f.Obj)),
        Kfree f => new Focus([], FramesAround(f.Addr)),
        Ksize k => new Focus([], FramesAround(k.Addr)),
        ReadWord r => new Focus([], FramesAround(r.Obj)),
        WriteWord w => new Focus([], FramesAround(w.Obj)),
        _ => null,
    };

    /// <summary>The block of the live object an address lies in, else its page; none outside the direct map.</summary>
    private PfnRange FramesAround(VirtAddr addr)
    {
        if (!DirectMap.TryPfn(addr, impl.Pages.Layout.FrameCount, out var pfn, out _))
        {
            return NoFrames;
        }

        var block = _live.Find(o => o.Block.Contains(pfn))?.Block ?? new Block(pfn, new Order(0));
        return new PfnRange(block.Pfn, new Pfn(block.End));
    }

    /// <summary>
    /// The block an allocated object lies in: a large kmalloc's, or a slab of the cache's order (MAX_PAGE_ORDER for a
    /// cache the run has not seen yet), aligned as the buddy allocator aligns it.
    /// </summary>
    private PfnRange AllocatedFrames(SlabOp op, Focus focus, VirtAddr addr)
    {
        var frameCount = impl.Pages.Layout.FrameCount;
        if (!DirectMap.TryPfn(addr, frameCount, out var pfn, out _))
        {
            return NoFrames;
        }

        var order = op is Kmalloc { Size: > KmallocSizes.MaxCacheSize } large ? KmallocSizes.LargeOrder(large.Size)
            : focus.Caches is [var cache] && _known.TryGetValue(cache, out var known) ? known.SlabOrder
            : new Order(Order.Max);
        var start = pfn.Value & ~(order.Pages - 1);
        return new PfnRange(new Pfn(start), new Pfn(Math.Min(start + order.Pages, frameCount)));
    }

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

    /// <summary>The caches a step names and the frames it addresses, as SnapshotOf takes them.</summary>
    private readonly record struct Focus(CacheId[] Caches, PfnRange Frames);

    /// <summary>
    /// A live object as the run knows it: its address, its cache (null for a large kmalloc), its usable size, and its
    /// block (its slab's, or the large kmalloc's).
    /// </summary>
    private sealed record LiveObject(VirtAddr Addr, CacheId? Cache, ulong Size, Block Block);

    /// <summary>A cache as the run knows it: its slab order and the slabs it has.</summary>
    private sealed record KnownCache(Order SlabOrder, HashSet<Pfn> Slabs);
}
