using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Slab;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Slab;

/// <summary>
/// Binds a slab allocator under test to the reference model for the lockstep runner. Any
/// <see cref="ISlabAllocator"/> can be checked this way. After each step the rules that need no model come
/// first (invariants, placement, which addresses are live, liveness, the exact SLUB steps), so a failure names
/// the most specific rule; then the model must permit the result and agree on the snapshot.
/// <para>
/// This file holds the scenarios, the run's state, the step loop and turning steps into operations run on both
/// sides. The rules that need no model are in SlabLockstep.Checks.cs, the incremental check's part of the state
/// in SlabLockstep.Incremental.cs, and what the run learns after each step in SlabLockstep.Tracking.cs.
/// </para>
/// </summary>
public sealed partial class SlabLockstep(ISlabAllocator impl, SlabModel model, Level checks)
    : ILockstepSubject<SlabStep>
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

    private readonly HandleTable<CacheId> _caches =
        new(Enumerable.Range(0, KmallocSizes.CacheSizes.Length).Select(i => new CacheId(i)));
    private readonly HandleTable<SlabObject> _objects = new();
    private int _created;

    // The state after the last step: the next step's state before, so each step takes one snapshot of the
    // implementation.
    private SlabSnapshot? _last;

    // Each cache's slab order and the slabs it had after the last step: from each whole snapshot, plus the new slab
    // an allocation took since.
    private Dictionary<CacheId, KnownCache> _known = [];

    private static readonly PfnRange NoFrames = new(new Pfn(0), new Pfn(0));

    public Violation? CheckInitialState()
    {
        if (!checks.HasFlag(Level.Safe))
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

        var focus = log.FullCheck || checks != Level.Safe ? null : FocusOf(op);
        // An incremental step compares with the model, which changes nothing on an error, so it needs no state before.
        var before = focus is null ? _last ?? impl.Snapshot() : null;
        _last = null;
        var (error, result, returned, why) = Run(op);
        if (log.Tracing)
        {
            (log.Call, log.Operation) = ($"{op} = {result()}", op);
        }

        var touched = focus is { } named && returned is { } addr
            ? named with { Frames = AllocatedFrames(op, named, addr) }
            : focus;
        var after = touched is { } part ? impl.SnapshotOf(part.Caches, part.Frames) : impl.Snapshot();
        _last = touched is null ? after : null;
        var done = new SlabStepDone(op, error, returned, before, after, touched?.Frames, _objects.Live);
        var violation = Rule<SlabStepDone>.FirstBroken(Rules, done, checks)
            ?? (why is null ? null : new Violation(SlabRules.ModelPermits, why))
            ?? (touched is { } checkedPart ? CheckFocus(after, checkedPart)
                : checks.HasFlag(Level.Safe) ? CheckState(after, implementationChecked: true) : null);
        if (violation is null)
        {
            SharedRules.Called(log, error);
            Rule<SlabStepDone>.Cover(Rules, done, checks, log);
            Track(op, error, returned, before, after, log);
            if (touched is null)
            {
                Learn(after);
            }
        }

        return violation;
    }

    /// <summary>
    /// Frees every live object, shrinks every cache and destroys the created ones, checking each step; for the live
    /// property.
    /// </summary>
    public Violation? FreeAllAndShrink(StepLog log)
    {
        while (_objects.Count > 0)
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
                return new KmemCacheCreate(
                    $"cache{_created}",
                    (ulong)c.Size,
                    (ulong)c.Align,
                    c.Ctor ? new CacheCtor(0xc0de_0000UL + (ulong)_created) : null);
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
                return _objects.TryPickGone(again.Handle, out var freed) ? new Kfree(freed.Addr) : null;
            case CacheFreeAgain again:
                return _objects.TryPickGone(again.Handle, out var gone) ? new KmemCacheFree(
                    again.Cache >= 20 ? new CacheId(1_000_000 + again.Cache) : CacheAt(again.Cache), gone.Addr) : null;
        }

        if (_objects.Count == 0)
        {
            return null;
        }

        return step switch
        {
            CacheFree f => _objects[f.Handle] is { Cache: { } cache } o
                ? new KmemCacheFree(cache, o.Addr)
                : new Kfree(_objects[f.Handle].Addr),
            KfreeStep f => new Kfree(_objects[f.Handle].Addr),
            KfreeLast => new Kfree(_objects.Last.Addr),
            Write w => new WriteWord(_objects[w.Handle].Addr, w.Value),
            Read r => new ReadWord(_objects[r.Handle].Addr),
            KsizeStep k => new Ksize(_objects[k.Handle].Addr),
            FreeInterior i => Interior(_objects[i.Handle], i.Offset),
            FreeWrongCache w => WrongCache(_objects[w.Handle], w.Cache),
            _ => throw new ArgumentOutOfRangeException(nameof(step), step, "unknown slab step"),
        };
    }

    private CacheId CacheAt(int handle) => _caches[handle];

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

    private static Kfree Interior(SlabObject o, int offset) =>
        new(new VirtAddr(o.Addr.Value + 1 + ((ulong)offset % (o.Size - 1))));

    private KmemCacheFree WrongCache(SlabObject o, int handle)
    {
        var other = CacheAt(handle);
        return new KmemCacheFree(other == o.Cache ? CacheAt(handle + 1) : other, o.Addr);
    }

    private (MmError? Error, Func<string> Result, VirtAddr? Returned, string? Why) Run(SlabOp op) => op switch
    {
        KmemCacheCreate c => Permitted(
            impl.KmemCacheCreate(c.Name, c.Size, c.Align, c.Ctor),
            model.KmemCacheCreate(c.Name, c.Size, c.Align, c.Ctor),
            () => SlabModel.CreateErrors(c)),
        KmemCacheAlloc a => Adopted(op, impl.KmemCacheAlloc(a.Cache)),
        Kmalloc k => Adopted(op, impl.Kmalloc(k.Size)),
        KmemCacheFree f => Permitted(
            impl.KmemCacheFree(f.Cache, f.Obj), model.KmemCacheFree(f.Cache, f.Obj), () => model.FreeErrors(f)),
        KmemCacheShrink s => Compare(impl.KmemCacheShrink(s.Cache), model.KmemCacheShrink(s.Cache)),
        KmemCacheDestroy d => Permitted(
            impl.KmemCacheDestroy(d.Cache), model.KmemCacheDestroy(d.Cache), () => model.DestroyErrors(d)),
        Kfree f => Compare(impl.Kfree(f.Addr), model.Kfree(f.Addr)),
        Ksize k => Compare(impl.Ksize(k.Addr), model.Ksize(k.Addr)),
        ReadWord r => Compare(impl.ReadWord(r.Obj), model.ReadWord(r.Obj)),
        WriteWord w => Compare(impl.WriteWord(w.Obj, w.Value), model.WriteWord(w.Obj, w.Value)),
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown slab op"),
    };

    private static (MmError?, Func<string>, VirtAddr?, string?) Compare<T>(Result<T> actual, Result<T> expected) =>
        (actual.Error, actual.ToString, null, actual == expected ? null : $"expected {expected}, got {actual}");

    /// <summary>
    /// A call that can break several checks at once: the model must permit the result
    /// (<see cref="SharedRules.Permits{T, TState}"/>; below the exact level a refusal may name any error that
    /// applies).
    /// </summary>
    private (MmError?, Func<string>, VirtAddr?, string?) Permitted<T>(Result<T> actual, Result<T> expected,
        Func<IReadOnlyList<MmError>> applicable) =>
        (actual.Error, actual.ToString, null,
            SharedRules.Permits(checks, actual, expected, applicable, static a => a()));

    private (MmError?, Func<string>, VirtAddr?, string?) Adopted(SlabOp op, Result<VirtAddr> actual) =>
        (actual.Error, actual.ToString, actual.IsOk ? actual.Value : null, model.Adopt(op, actual));
}
