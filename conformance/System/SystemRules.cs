using MMSpec.Conformance.Lockstep;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.MemorySystem;
using MMSpec.Model.Oom;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Slab;

namespace MMSpec.Conformance.MemorySystem;

/// <summary>The whole system's rules (docs/system.md, "Rules") and the scenarios its campaign must reach.</summary>
public static partial class SystemRules
{
    public const string NoDataLost = "no-data-lost";
    public const string BadInputRejected = "bad-input-rejected";
    public const string OneOwner = "every-mm-has-one-owner";
    public const string KernelPagesOwned = "every-kernel-page-has-one-owner";
    public const string KilledMemoryComesBack = "killed-memory-comes-back";
    public const string NoDeadTlb = "no-tlb-entry-of-a-dead-mm";
    public const string OnePendingVictim = "no-kill-while-a-victim-is-pending";
    public const string NeverKillsTheUnkillable = Oom.OomRules.NeverKillsTheUnkillable;
    public const string FaultsDoNotFail = "may-oom-faults-never-fail";
    public const string PanicOnlyWhenNothingKillable = "panic-only-when-nothing-killable";
    public const string OomOnlyWhenReclaimIsStuck = "oom-only-when-reclaim-is-stuck";

    public const string Killed = "an OOM kill";
    public const string Aborted = "a fault waits for a pending victim";
    public const string Panicked = "a panic: nothing killable";
    public const string Reaped = "a victim reaped";
    public const string VictimExited = "a victim exited";
    public const string AtomicBelowMin = "GFP_ATOMIC below the min mark";
    public const string KswapdBalanced = "kswapd reclaimed";
    public const string CopiedOnWrite = "a write to a page fork shares";
    public const string ExitUnderPressure = "an exit below the low mark";
    public const string KernelAllocFailed = "a kernel allocation failed";
    public const string ProtectedSurvived = "a kill spared a larger -1000 process";
    public const string SwapFull = "swap full";
    public const string ShmemSwapReleased = "a shmem object on swap released";
    public const string TieToTheLast = "a tie in badness goes to the process scanned last";
    public const string SlabUnderPressure = "a slab object allocated below the low mark";
    public const string VmallocGaveBack = "a vmalloc that could not finish gave its pages back";

    public static IReadOnlyList<Scenario<SystemStepDone>> Scenarios { get; } =
    [
        new(Killed, d => d.After.OomKills > d.Before.OomKills),
        new(Aborted, d => d.Error is AllocationStalled { Victim: not null }),
        new(Panicked, d => d.Error is KernelPanic),
        new(Reaped, d => d is { Op: SystemOp.OomReap, Error: null }),
        new(VictimExited, d => d is { Op: SystemOp.DoExit exit, Error: null }
            && d.Before.Tasks.Tasks.Single(t => t.Pid == exit.Pid).Victim),
        new(AtomicBelowMin, d => d is { Op: SystemOp.AllocPages { Gfp: Gfp.Atomic }, Error: null }
            && d.After.Reclaim.Pages.FreePages < Marks(d.After).Min),
        new(KswapdBalanced, d => d is { Op: SystemOp.Kswapd, Actual.Value: > 0UL }),
        new(CopiedOnWrite, d => d is { Op: SystemOp.Access { Write: true }, Error: null }
            && d.After.Reclaim.Folios.Length > d.Before.Reclaim.Folios.Length
            && d.Before.Reclaim.Folios.Any(f => f.MapCount > 1 && f.Kind == FolioKind.Anon)),
        new(ExitUnderPressure, d => d is { Op: SystemOp.DoExit, Error: null }
            && d.Before.Reclaim.Pages.FreePages < Marks(d.Before).Low),
        new(KernelAllocFailed, d => d is { Op: SystemOp.AllocPages, Error: AllocationFailed }),
        new(ProtectedSurvived, d => d.After.OomKills > d.Before.OomKills && SparedProtected(d)),
        new(SwapFull, d => d.After.Reclaim.Swap.Length > 0 && d.After.Reclaim.Swap.All(a => a.InUse == a.Usable)),
        new(TieToTheLast, d => d.After.OomKills > d.Before.OomKills && TiedWithAnEarlier(d)),
        new(ShmemSwapReleased, d => d.Op is SystemOp.DoExit or SystemOp.Munmap && d.Error is null
            && d.Before.Reclaim.ShmemSwap.Any(s => d.After.Reclaim.ShmemSwap.All(a => a.Owner != s.Owner)
                && d.After.Reclaim.Mms.All(m => m.Mappings.All(p => p.Kind != MapKind.Shmem || p.Owner != s.Owner)))),
        new(SlabUnderPressure, d => d is { Op: SystemOp.Kmalloc or SystemOp.KmemCacheAlloc, Error: null }
            && d.Before.Reclaim.Pages.FreePages < Marks(d.Before).Low),
        new(VmallocGaveBack, d => d is { Op: SystemOp.Vmalloc, Error: AllocationFailed or AllocationStalled
            or KernelPanic }),
    ];

    public static IReadOnlyList<string> AllScenarios { get; } = Scenario<SystemStepDone>.Names(Scenarios);

    /// <summary>The typed errors the campaign must reach.</summary>
    public static IReadOnlyList<Type> ErrorKinds { get; } =
    [
        typeof(NoSuchProcess), typeof(ExitOfInit), typeof(InvalidOomScoreAdj), typeof(InvalidOomAdj),
        typeof(ContradictoryGfp), typeof(InvalidOrder), typeof(NotKernelPage), typeof(NotMapped), typeof(NoSuchCpu),
        typeof(NotAnOomVictim), typeof(AllocationFailed), typeof(AllocationStalled), typeof(KernelPanic),
        typeof(OwnedByAllocator), typeof(KmallocTooLarge), typeof(AddressOutsideDirectMap), typeof(NotVmallocArea),
        typeof(InvalidRange),
    ];

    public static IReadOnlyList<Rule<SystemStepDone>> All { get; } =
    [
        Rule<SystemStepDone>.Of(NoDataLost, Level.Safe, DataLost, d => d.ExpectedRead is not null && d.Actual.IsOk),
        Rule<SystemStepDone>.Of(BadInputRejected, Level.Safe,
            d => d.Step.IsInvalid && d.Actual.IsOk ? $"{d.Op} was accepted: {d.Actual}" : null, d => d.Step.IsInvalid),
        SharedRules.Unchanged<SystemStepDone>(d => d.Op, d => d.BadInputError, d => d.After.DiffFrom(d.Before)),
        Rule<SystemStepDone>.Of(NoDeadTlb, Level.Safe, DeadTlb, d => d is { Op: SystemOp.DoExit, Error: null }),
        Rule<SystemStepDone>.Invariants(Level.Safe,
            d => d.Full ? ReclaimInvariants.All(d.After.Reclaim).Concat(SlabInvariants.All(d.After.Slab))
                    .FirstOrDefault()
                : d.GivesBack ? ReclaimInvariants.CheckFrameOwnership(d.After.Reclaim)
                    .Concat(ReclaimInvariants.CheckSwapCounts(d.After.Reclaim)).FirstOrDefault()
                : null,
            new(ReclaimInvariants.FrameOwnership,
                d => d.After.Reclaim.Pages.Allocated != d.Before.Reclaim.Pages.Allocated),
            new(ReclaimInvariants.SwapCounts, d => d.After.Reclaim.Swap.Any(a => a.InUse > 0)),
            new(ReclaimInvariants.MapCounts, d => d.After.Reclaim.Folios.Any(f => f.MapCount > 0))),
        Rule<SystemStepDone>.Of(OneOwner, Level.Safe, d => OwnersKept(d) ? null : Ownership(d.After),
            d => d.Op is SystemOp.Fork or SystemOp.DoExit),
        Rule<SystemStepDone>.Of(KernelPagesOwned, Level.Safe,
            d => KernelPartsKept(d) ? null : KernelOwnership(d.After),
            d => d.After.Slab.Pages.Allocated.Length + d.After.Vmalloc.Length > 0),
        Rule<SystemStepDone>.Of(KilledMemoryComesBack, Level.Safe, NotGivenBack,
            d => d is { Op: SystemOp.DoExit or SystemOp.OomReap, Error: null }),
        Rule<SystemStepDone>.Of(OnePendingVictim, Level.Safe, KillStorm, d => d.After.OomKills > d.Before.OomKills),
        Rule<SystemStepDone>.Of(NeverKillsTheUnkillable, Level.Safe, KilledUnkillable,
            d => d.After.OomKills > d.Before.OomKills),
        Rule<SystemStepDone>.Of(FaultsDoNotFail, Level.Live,
            d => d is { Op: SystemOp.Access a, Error: AllocationFailed } && !Victim(d.Before, a.Pid)
                ? $"{d.Op} failed: {d.Error}" : null,
            d => d is { Op: SystemOp.Access, Error: AllocationStalled or KernelPanic }
                || d.After.OomKills > d.Before.OomKills),
        Rule<SystemStepDone>.Of(PanicOnlyWhenNothingKillable, Level.Live, Killable, d => d.Error is KernelPanic),
        Rule<SystemStepDone>.Of(OomOnlyWhenReclaimIsStuck, Level.Live, StillReclaimable,
            d => d.After.OomKills > d.Before.OomKills),
        Rule<SystemStepDone>.Of(SharedRules.ModelPermits, Level.Exact,
            d => d.Expected is { } e && e != d.Actual ? $"expected {e}, got {d.Actual}" : null,
            d => d.Expected is not null),
        SharedRules.Same<SystemStepDone>(Level.Exact, d => d.ModelAfter is { } m ? d.After.DiffFrom(m) : null,
            d => d.ModelAfter is not null && !d.After.SameAs(d.Before)),
    ];

    /// <summary>The rules and error kinds a campaign at <paramref name="level"/> must put to the test.</summary>
    public static IEnumerable<string> Coverage(Level level) =>
        Rule<SystemStepDone>.Names(All, level)
            .Append(level.HasFlag(Level.Exact) ? SharedRules.ModelPermits : NoDataLost).Distinct()
            .Concat(ErrorKinds.Select(SharedRules.Returned));

    /// <summary>An OOM victim's faults may fail: with ALLOC_OOM's reserves gone it gives up rather than loop.</summary>
    private static bool Victim(SystemSnapshot s, Pid pid) => s.Tasks.Tasks.Any(t => t.Pid == pid && t.Victim);

    public static ZoneMarks Marks(SystemSnapshot s) => WatermarksModel.NormalZone(s.Reclaim.Config.Frames);

    private static string? DataLost(SystemStepDone d) =>
        d.ExpectedRead is { } want && d.Actual.Value is ulong got && got != want
            ? $"{d.Op} read 0x{got:x}; the last value written there was 0x{want:x}" : null;

    /// <summary>
    /// The task table, the processes' address spaces and the reclaim system's address spaces are those of the state
    /// before the step, which held the rule: nothing to check.
    /// </summary>
    private static bool OwnersKept(SystemStepDone d)
    {
        var (before, after) = (d.Before.Reclaim.Mms, d.After.Reclaim.Mms);
        if (!ReferenceEquals(d.After.Tasks, d.Before.Tasks) || !d.After.Mms.SequenceEqual(d.Before.Mms)
            || before.Length != after.Length)
        {
            return false;
        }

        for (var i = 0; i < after.Length; i++)
        {
            if (before[i].Id != after[i].Id)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The kernel pages, the slab layer's blocks and the vmalloc areas are those of the state before the step, which
    /// held the rule (the lockstep keeps only states that pass, the first checked as it starts): nothing to check.
    /// </summary>
    private static bool KernelPartsKept(SystemStepDone d) =>
        d.After.Reclaim.KernelPages == d.Before.Reclaim.KernelPages
        && d.After.Slab.Pages.Allocated == d.Before.Slab.Pages.Allocated
        && d.After.Vmalloc.SequenceEqual(d.Before.Vmalloc);

    /// <summary>
    /// Every block the slab layer holds and every page of a vmalloc area is a kernel page of the reclaim system, of
    /// the block's order, and no frame is both; vmalloc areas (each with its guard page) do not overlap.
    /// </summary>
    public static string? KernelOwnership(SystemSnapshot s)
    {
        var kernel = s.Reclaim.KernelPages.ToDictionary(b => b.Pfn, b => b.Order);
        var owners = new Dictionary<Pfn, string>();
        var blocks = s.Slab.Pages.Allocated.Select(b => (Owner: "the slab layer", Block: b))
            .Concat(s.Vmalloc.SelectMany(a => a.Frames.Select(f => (Owner: $"vmalloc 0x{a.Start:x}",
                Block: new Block(f, new Order(0))))));
        foreach (var (owner, block) in blocks)
        {
            if (!kernel.TryGetValue(block.Pfn, out var order) || order != block.Order)
            {
                return $"{owner}'s block {block} is no kernel allocation of its order";
            }

            if (!owners.TryAdd(block.Pfn, owner))
            {
                return $"{block.Pfn} belongs to {owners[block.Pfn]} and to {owner}";
            }
        }

        var overlap = s.Vmalloc.Zip(s.Vmalloc.Skip(1)).FirstOrDefault(p => p.Second.Start < p.First.End);
        return overlap != default ? $"vmalloc areas 0x{overlap.First.Start:x} and 0x{overlap.Second.Start:x} overlap"
            : null;
    }

    /// <summary>Every live process owns one address space of its own, and the reclaim system has no other.</summary>
    public static string? Ownership(SystemSnapshot s)
    {
        var pids = s.Tasks.Tasks.Select(t => t.Pid.Value).Order().ToList();
        var owners = s.Mms.Select(p => p.Pid.Value).Order().ToList();
        var mms = s.Mms.Select(p => p.Mm.Value).Order().ToList();
        return !pids.SequenceEqual(owners) ? $"processes [{string.Join(", ", pids)}] own [{string.Join(", ", s.Mms)}]"
            : mms.Distinct().Count() != mms.Count ? $"two processes share an address space: {string.Join(", ", s.Mms)}"
            : !mms.SequenceEqual(s.Reclaim.Mms.Select(m => m.Id.Value).Order())
                ? $"the address spaces [{string.Join(", ", s.Reclaim.Mms.Select(m => m.Id))}] are not the owned ones"
            : null;
    }
}
