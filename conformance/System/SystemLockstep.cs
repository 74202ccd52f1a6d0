using MMSpec.Conformance.Lockstep;
using MMSpec.Conformance.Reclaim;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.MemorySystem;
using MMSpec.Model.Oom;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Slab;
using MMSpec.Model.Tlb;

namespace MMSpec.Conformance.MemorySystem;

/// <summary>What one whole-system step did: the call, the results on both sides, the states around it.</summary>
public sealed record SystemStepDone(SystemStep Step, SystemOp Op, OpResult Actual, OpResult? Expected,
    SystemSnapshot Before, SystemSnapshot After, SystemSnapshot? ModelAfter, ulong? ExpectedRead)
{
    /// <summary>
    /// Whether the step gets the whole-state checks (the reclaim and slab invariants): every step in the reference
    /// mode, every <see cref="LockstepRunner.FullCheckPeriod"/>-th on the fast pass.
    /// </summary>
    public bool Full { get; init; } = true;

    /// <summary>
    /// A call that gives memory back (exit, munmap, the OOM reaper, swapoff): the fast pass checks it for leaks (frame
    /// ownership and swap counts), since a slot or page leaked there may be hidden by a later step (swapoff, a reuse)
    /// before the next full check.
    /// </summary>
    public bool GivesBack => Op is SystemOp.DoExit or SystemOp.Munmap or SystemOp.OomReap or SystemOp.Swapoff;

    public MmError? Error => Actual.Error;

    /// <summary>An error the caller's input caused, as opposed to memory running out under the allocator.</summary>
    public MmError? BadInputError => Error is AllocationFailed or AllocationStalled or KernelPanic ? null : Error;
}

/// <summary>
/// Binds a whole system under test to the lockstep runner: at the safe and live levels the system's own rules
/// (SystemRules), at the exact level in lockstep with the composition of MMSpec's models, every result and every
/// state equal, kernel log included.
/// </summary>
public sealed partial class SystemLockstep(IMemorySystem impl, IMemorySystem? model, Level checks,
    AdoptingSlab? adopting = null) : ILockstepSubject<SystemStep>
{
    /// <summary>
    /// The lockstep of <paramref name="impl"/> at <paramref name="checks"/>; at the exact level beside MMSpec's
    /// models composed, whose slab layer takes the free object SLUB may choose from the system under test.
    /// </summary>
    public static SystemLockstep For(IMemorySystem impl, SystemConfig config, Level checks)
    {
        if (!checks.HasFlag(Level.Exact))
        {
            return new(impl, null, checks);
        }

        var (reference, slab) = AdoptingSlab.Reference(config);
        return new(impl, reference, checks, slab);
    }

    private readonly ContentOracle _oracle = new();
    private readonly List<(CacheId? Cache, VirtAddr Addr)> _objects = [];
    private SystemSnapshot? _state;
    private Pid _lastExited = new(0);

    /// <summary>The OOM kills and panics so far, as the last checked state has them.</summary>
    public (int OomKills, int Panics) Outcomes => _state is { } s ? (s.OomKills, s.Panics) : (0, 0);

    public Violation? CheckInitialState() =>
        SystemRules.Ownership(State) is { } broken ? new(SystemRules.OneOwner, broken)
        : SystemRules.KernelOwnership(State) is { } kernel ? new(SystemRules.KernelPagesOwned, kernel) : null;

    private SystemSnapshot State => _state ??= impl.Snapshot();

    public Violation? Apply(SystemStep operation, StepLog log)
    {
        var before = State;
        var op = Resolve(operation, before);
        var expectedRead = op is SystemOp.Access a && MmOf(before, a.Pid) is { } mm
            ? _oracle.Expected(before.Reclaim, mm, a.Addr) : null;
        var actual = op.ApplyTo(impl);
        var exact = checks.HasFlag(Level.Exact) && model is not null;
        adopting?.Observe(op is SystemOp.Kmalloc or SystemOp.KmemCacheAlloc && actual.Value is VirtAddr obj
            ? obj : null);
        var expected = exact ? op.ApplyTo(model!) : (OpResult?)null;
        if (adopting?.Refused is { } refused)
        {
            return new(SharedRules.ModelPermits, $"{op} = {actual}: {refused}");
        }

        var after = impl.Snapshot();
        var done = new SystemStepDone(operation, op, actual, expected, before, after,
            exact ? model!.Snapshot() : null, expectedRead) { Full = log.FullCheck };
        if (log.Tracing)
        {
            (log.Call, log.Operation) = ($"{op} = {actual}", op);
        }

        var violation = Rule<SystemStepDone>.FirstBroken(SystemRules.All, done, checks);
        if (violation is null)
        {
            SharedRules.Called(log, actual.Error, exact ? SharedRules.ModelPermits : SystemRules.NoDataLost);
            Rule<SystemStepDone>.Cover(SystemRules.All, done, checks, log);
            Scenario<SystemStepDone>.Track(SystemRules.Scenarios, done, log);
            Learn(done);
            _state = after;
        }

        return violation;
    }

    private static AsId? MmOf(SystemSnapshot state, Pid pid) =>
        state.Mms.FirstOrDefault(p => p.Pid == pid) is { } owned && owned.Pid == pid ? owned.Mm : null;

    /// <summary>What the oracle learns from a call that succeeded: its writes, fork's copies, what went away.</summary>
    private void Learn(SystemStepDone d)
    {
        if (!d.Actual.IsOk)
        {
            return;
        }

        switch (d.Op)
        {
            case SystemOp.Kmalloc when d.Actual.Value is VirtAddr obj:
                _objects.Add((null, obj));
                break;
            case SystemOp.KmemCacheAlloc alloc when d.Actual.Value is VirtAddr obj:
                _objects.Add((alloc.Cache, obj));
                break;
            case SystemOp.Kfree { Addr: var freed }:
                _objects.RemoveAll(o => o.Addr == freed);
                break;
            case SystemOp.KmemCacheFree { Obj: var freed }:
                _objects.RemoveAll(o => o.Addr == freed);
                break;
            case SystemOp.Access { Write: true } w:
                _oracle.Learn(d.Before.Reclaim, new ReclaimOp.Access(MmOf(d.Before, w.Pid)!.Value, w.Cpu, w.Addr,
                    true, w.Value), d.Actual);
                break;
            case SystemOp.Fork f when d.Actual.Value is Pid child:
                _oracle.Learn(d.Before.Reclaim, new ReclaimOp.Fork(MmOf(d.Before, f.Parent)!.Value),
                    OpResult.Of(Result<AsId>.Ok(MmOf(d.After, child)!.Value)));
                break;
            case SystemOp.DoExit e:
                _oracle.Learn(d.Before.Reclaim, new ReclaimOp.ExitMm(MmOf(d.Before, e.Pid)!.Value), d.Actual);
                _lastExited = e.Pid;
                break;
            case SystemOp.Munmap u:
                _oracle.Learn(d.Before.Reclaim, new ReclaimOp.Munmap(MmOf(d.Before, u.Pid)!.Value, u.Start), d.Actual);
                break;
            case SystemOp.OomReap r:
                var mm = MmOf(d.Before, r.Pid)!.Value;
                foreach (var gone in d.Before.Reclaim.Mms.First(m => m.Id == mm).Mappings
                    .Where(m => m.Kind is MapKind.Anon or MapKind.FileExec))
                {
                    _oracle.Learn(d.Before.Reclaim, new ReclaimOp.Munmap(mm, gone.Start), d.Actual);
                }

                break;
        }
    }

    /// <summary>The step's call, its handles resolved against the state before it.</summary>
    private SystemOp Resolve(SystemStep step, SystemSnapshot state) => step switch
    {
        ForkProc f => new SystemOp.Fork(Proc(state, f.Proc)),
        ExitProc e => new SystemOp.DoExit(Proc(state, e.Proc)),
        MapProc m => new SystemOp.Mmap(Proc(state, m.Proc), m.Kind, m.File % state.Reclaim.Config.Files,
            (ulong)m.Pages),
        UnmapProc u => Mapping(state, u.Proc, u.Mapping) is (var pid, { } mapping)
            ? new SystemOp.Munmap(pid, mapping.Start) : new SystemOp.Munmap(Proc(state, u.Proc), new VirtAddr(0)),
        TouchProc t => Touch(state, t),
        AdjProc { Legacy: true } a => new SystemOp.WriteOomAdj(Proc(state, a.Proc), a.Value, a.Cap),
        AdjProc a => new SystemOp.WriteOomScoreAdj(Proc(state, a.Proc), a.Value, a.Cap),
        KernelAllocProc k => new SystemOp.AllocPages(SystemScenario.KernelMasks[k.Mask], new Order(k.Order)),
        KernelFreeProc k => new SystemOp.FreePages(state.PageAllocations() is { IsEmpty: false } blocks
            ? blocks[k.Allocation % blocks.Length].Pfn : new Pfn(0)),
        KmallocProc k => new SystemOp.Kmalloc(SystemScenario.KmallocSizes[k.Size],
            SystemScenario.KernelMasks[k.Mask]),
        CacheCreateProc c => new SystemOp.KmemCacheCreate($"mmspec-{c.Size}", (ulong)c.Size),
        CacheAllocProc c => new SystemOp.KmemCacheAlloc(Cache(state, c.Cache), SystemScenario.KernelMasks[c.Mask]),
        ObjectFreeProc o => ObjectFree(o.Live),
        VmallocProc v => new SystemOp.Vmalloc((ulong)v.Pages),
        VfreeProc v => new SystemOp.Vfree(new VirtAddr(state.Vmalloc.IsEmpty ? PagingFormat.FourLevel.VmallocStart
            : state.Vmalloc[v.Area % state.Vmalloc.Length].Start)),
        TimeEvent { Kind: SystemEventKind.Kswapd } => new SystemOp.Kswapd(),
        TimeEvent { Kind: SystemEventKind.Writeback } => new SystemOp.StartWriteback(),
        TimeEvent { Kind: SystemEventKind.WritebackEnd } => new SystemOp.EndWriteback(),
        TimeEvent { Kind: SystemEventKind.VictimExit } e => new SystemOp.DoExit(VictimOr(state, e.Proc)),
        TimeEvent e => new SystemOp.OomReap(VictimOr(state, e.Proc)),
        SwapProc { On: true } s => new SystemOp.Swapon(s.Slots),
        SwapProc => new SystemOp.Swapoff(state.Reclaim.Swap.IsEmpty ? new SwapType(0) : state.Reclaim.Swap[0].Type),
        BadCall b => Bad(state, b),
        _ => throw new ArgumentOutOfRangeException(nameof(step), step, "unknown system step"),
    };

    /// <summary>Cache #n of those kmem_cache_create made, else of every cache (the kmalloc caches).</summary>
    private static CacheId Cache(SystemSnapshot state, int n)
    {
        var created = state.Slab.Caches.Where(c => c.Id.Value >= KmallocSizes.CacheSizes.Length).ToList();
        var caches = created.Count > 0 ? created : [.. state.Slab.Caches];
        return caches[n % caches.Count].Id;
    }

    /// <summary>Object #n freed as it came: kmem_cache_free to its cache, or kfree; kfree(NULL) if none.</summary>
    private SystemOp ObjectFree(int n) => _objects.Count == 0 ? new SystemOp.Kfree(new VirtAddr(0))
        : _objects[n % _objects.Count] is { Cache: { } cache } o ? new SystemOp.KmemCacheFree(cache, o.Addr)
        : new SystemOp.Kfree(_objects[n % _objects.Count].Addr);

    private static Pid VictimOr(SystemSnapshot state, int n) =>
        state.Tasks.Tasks.FirstOrDefault(t => t.Victim && !t.OomSkip)?.Pid ?? Proc(state, n);

    private static Pid Proc(SystemSnapshot state, int n)
    {
        var tasks = state.Tasks.Tasks;
        return tasks[((n % tasks.Length) + tasks.Length) % tasks.Length].Pid;
    }

    /// <summary>Mapping #n of proc #p, or of the next process in creation order that has a mapping.</summary>
    private static (Pid Pid, MappingState? Mapping) Mapping(SystemSnapshot state, int proc, int n)
    {
        var tasks = state.Tasks.Tasks.Length;
        for (var next = 0; next < tasks; next++)
        {
            var pid = Proc(state, proc + next);
            var mappings = state.Reclaim.Mms.First(m => m.Id == MmOf(state, pid)).Mappings;
            var kind = n == TouchProc.Largest ? MapKind.Anon : MapKind.Shmem;
            if (n < 0 && mappings.Where(m => m.Kind == kind).MaxBy(m => m.Pages) is { } largest)
            {
                return (pid, largest);
            }

            if (n >= 0 && !mappings.IsEmpty)
            {
                return (pid, mappings[n % mappings.Length]);
            }
        }

        return (Proc(state, proc), null);
    }

    private static SystemOp.Access Touch(SystemSnapshot state, TouchProc t)
    {
        var (pid, mapping) = Mapping(state, t.Proc, t.Mapping);
        if (mapping is null)
        {
            return new SystemOp.Access(pid, new CpuId(0), new VirtAddr(ReclaimModel.FirstMapping), t.Write, t.Value);
        }

        var write = t.Write && mapping.Kind != MapKind.FileExec;
        var addr = new VirtAddr(mapping.Start.Value + ((ulong)t.Page % mapping.Pages * Pfn.PageSize));
        return new SystemOp.Access(pid, new CpuId(t.Cpu % state.Reclaim.Config.Cpus), addr, write, t.Value);
    }

    /// <summary>A page the slab layer (or vmalloc, first) holds, if any: not one __free_pages may free.</summary>
    private static Pfn? OwnedPage(SystemSnapshot state, bool vmallocFirst)
    {
        var slab = state.Slab.Pages.Allocated.Select(b => (Pfn?)b.Pfn).FirstOrDefault();
        var vmalloc = state.Vmalloc.SelectMany(a => a.Frames).Select(f => (Pfn?)f).FirstOrDefault();
        return vmallocFirst ? vmalloc ?? slab : slab ?? vmalloc;
    }

    /// <summary>The bad call: <see cref="BadCall.Kind"/> picks the call, its offset how far outside it is.</summary>
    private SystemOp Bad(SystemSnapshot state, BadCall b)
    {
        var nobody = b.Offset == 0 && _lastExited.Value > 0 && state.Tasks.Tasks.All(t => t.Pid != _lastExited)
            ? _lastExited : new Pid(state.Tasks.PidMax + b.Offset);
        var config = state.Reclaim.Config;
        return b.Kind switch
        {
            0 => new SystemOp.Access(nobody, new CpuId(0), new VirtAddr(ReclaimModel.FirstMapping), true, 1),
            1 => new SystemOp.Fork(nobody),
            2 => new SystemOp.Mmap(nobody, MapKind.Anon, 0, 1),
            3 => new SystemOp.Access(Pid.Init, new CpuId(0), new VirtAddr(Pfn.PageSize * (ulong)(b.Offset + 1)), false),
            4 => new SystemOp.Access(Pid.Init, new CpuId(config.Cpus + b.Offset), new VirtAddr(0), false),
            5 => new SystemOp.AllocPages(b.Offset % 2 == 0 ? Gfp.Kernel | Gfp.Dma | Gfp.Dma32 : Gfp.Kernel | Gfp.NoFail,
                new Order(0)),
            6 => new SystemOp.AllocPages(Gfp.Kernel, new Order(Order.Max + 1 + b.Offset)),
            7 => new SystemOp.FreePages(new Pfn(config.Frames + (ulong)b.Offset)),
            8 => new SystemOp.Kfree(new VirtAddr(ReclaimModel.FirstMapping + ((ulong)b.Offset * Pfn.PageSize))),
            9 => new SystemOp.Vfree(new VirtAddr(PagingFormat.FourLevel.VmallocStart + 0x800 + (ulong)b.Offset)),
            10 => b.Offset % 2 == 0 ? new SystemOp.Kmalloc(KmallocSizes.MaxSize + 1 + (ulong)b.Offset, Gfp.Kernel)
                : new SystemOp.Vmalloc(b.Offset == 1 ? 0 : config.Frames + 1),
            _ => new SystemOp.FreePages(OwnedPage(state, b.Offset % 2 == 1)
                ?? new Pfn(config.Frames + (ulong)b.Offset)),
        };
    }
}
