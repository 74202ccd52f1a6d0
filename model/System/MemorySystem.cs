using System.Collections.Immutable;
using System.Diagnostics;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Oom;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Slab;
using MMSpec.Model.Tlb;

namespace MMSpec.Model.MemorySystem;

/// <summary>
/// The components a whole system is made of. Any of them may be an outsider's: the system contract only calls
/// the components' contracts. The slab layer is made by <see cref="Slab"/> over the page allocator the system gives
/// it (<see cref="SystemPageSource"/>).
/// </summary>
public sealed record SystemParts(IReclaimSystem Reclaim, ITaskTable Tasks, IWatermarks Watermarks, ISlowPath SlowPath,
    IOomKiller Oom, Func<IBuddyAllocator, ISlabAllocator> Slab)
{
    /// <summary>MMSpec's reference models of every component.</summary>
    public static SystemParts Models(SystemConfig config) => new(new ReclaimModel(config.Reclaim),
        new TaskTableModel(config.Tasks), new WatermarksModel(), new SlowPathModel(), new OomKillerModel(),
        pages => new SlabModel(pages));
}

/// <summary>
/// The whole system as Linux composes its parts (docs/system.md): every allocation through __alloc_pages (the
/// freelist at the low mark, then the slow path with this system as its world), processes owning address spaces,
/// the OOM kill and its reaper, the kernel log. Written once over the components' contracts, so MMSpec's models,
/// its implementations or an outsider's components compose alike; its rules are checked by the system
/// specification's properties, not by a second copy.
/// <para>
/// This file holds the processes and user memory; the page allocator is in MemorySystem.Alloc.cs, the kernel's
/// slab, kmalloc and vmalloc allocations in MemorySystem.Kernel.cs, the OOM killer and the reaper in
/// MemorySystem.Oom.cs.
/// </para>
/// </summary>
public sealed partial class MemorySystem : IMemorySystem
{
    private readonly IReclaimSystem _reclaim;
    private readonly ITaskTable _tasks;
    private readonly SortedDictionary<int, AsId> _mms = [];
    private readonly List<string> _log = [];
    private ImmutableArray<string> _logState = [];

    public MemorySystem(SystemConfig config, SystemParts parts)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(parts);
        Config = config;
        (_reclaim, _tasks, _watermarks, _slowPath, _oom) =
            (parts.Reclaim, parts.Tasks, parts.Watermarks, parts.SlowPath, parts.Oom);
        _marks = _watermarks.Setup([0, 0, config.Frames], 0, WatermarksModel.DefaultScaleFactor).Zones[^1];
        _mms[Pid.Init.Value] = _reclaim.CreateMm().Value;
        _slabPages = new SystemPageSource(_reclaim, _reclaim.Snapshot().Pages.Layout);
        _slab = parts.Slab(_slabPages);
    }

    /// <summary>A whole system of MMSpec's models.</summary>
    public static MemorySystem Model(SystemConfig config) => new(config, SystemParts.Models(config));

    public SystemConfig Config { get; }

    public Result<Pid> Fork(Pid parent)
    {
        if (!_mms.TryGetValue(parent.Value, out var source))
        {
            return new NoSuchProcess(parent);
        }

        if (!_tasks.Snapshot().PidLeft)
        {
            return new NoPidLeft(Config.PidMax);
        }

        // copy_process: copy_mm before alloc_pid, so a fork that runs out of memory takes no pid.
        var mm = Allocating(Gfp.Kernel, 0, _victims.Contains(parent.Value), () => _reclaim.Fork(source));
        if (!mm.IsOk)
        {
            return mm.Error!;
        }

        var pid = _tasks.Fork(parent);
        Debug.Assert(pid.IsOk, "a pid was left");
        _mms[pid.Value.Value] = mm.Value;
        return pid;
    }

    public Result<Unit> DoExit(Pid pid)
    {
        var exited = _tasks.DoExit(pid);
        if (!exited.IsOk)
        {
            return exited;
        }

        var gone = _reclaim.ExitMm(_mms[pid.Value]);
        Debug.Assert(gone.IsOk, "a live process owns its address space");
        _mms.Remove(pid.Value);
        _victims.Remove(pid.Value);
        return Unit.Value;
    }

    public Result<Unit> SetComm(Pid pid, string comm) => _tasks.SetComm(pid, comm);

    public Result<Unit> WriteOomScoreAdj(Pid pid, int value, bool capSysResource) =>
        _tasks.WriteOomScoreAdj(pid, value, capSysResource);

    public Result<Unit> WriteOomAdj(Pid pid, int value, bool capSysResource) =>
        _tasks.WriteOomAdj(pid, value, capSysResource);

    public Result<VirtAddr> Mmap(Pid pid, MapKind kind, int file, ulong pages) =>
        _mms.TryGetValue(pid.Value, out var mm) ? _reclaim.Mmap(mm, kind, file, pages) : new NoSuchProcess(pid);

    public Result<Unit> Munmap(Pid pid, VirtAddr start) =>
        _mms.TryGetValue(pid.Value, out var mm) ? _reclaim.Munmap(mm, start) : new NoSuchProcess(pid);

    public Result<ulong> Access(Pid pid, CpuId cpu, VirtAddr addr, bool write, ulong value) =>
        _mms.TryGetValue(pid.Value, out var mm)
            ? Allocating(Gfp.HighUserMovable, 0, _victims.Contains(pid.Value),
                () => _reclaim.Access(mm, cpu, addr, write, value))
            : new NoSuchProcess(pid);

    public Result<SwapType> Swapon(ulong slots, int? priority) => _reclaim.Swapon(slots, priority);

    /// <summary>try_to_unuse reads with GFP_HIGHUSER_MOVABLE: down to the min mark, no slow path of its own.</summary>
    public Result<Unit> Swapoff(SwapType type) =>
        WithWatermark(Floor(AllocFlags.WmarkMin), () => _reclaim.Swapoff(type));

    public Result<ulong> StartWriteback() => _reclaim.StartWriteback();

    public Result<ulong> EndWriteback() => _reclaim.EndWriteback();

    public SystemSnapshot Snapshot() => new(
        _tasks.Snapshot(), [.. _mms.Select(p => new ProcessMm(new Pid(p.Key), p.Value))], _reclaim.Snapshot(),
        _kswapdAwake, _oomKills, _panics, LogState(), SlabState(), VmallocAreas(), _allocStalls);

    /// <summary>The kernel log as the last snapshot had it while no line came since (lines are only added).</summary>
    private ImmutableArray<string> LogState() => _logState.Length == _log.Count ? _logState : _logState = [.. _log];
}
