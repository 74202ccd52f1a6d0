using MMSpec.Conformance.Lockstep;
using MMSpec.Model.Core;
using MMSpec.Model.Reclaim;

namespace MMSpec.Conformance.Reclaim;

public sealed partial class ReclaimLockstep
{
    public const string FaultOutOfMemory = "fault found no free frame";
    public const string Reclaimed = "reclaim freed pages";
    public const string SwappedOut = "anonymous page swapped out";
    public const string SwappedIn = "page swapped in";
    public const string SharedSwap = "swap slot shared by two address spaces";
    public const string ShmemSwapped = "shmem page on swap";
    public const string DirtyFileDeferred = "dirty file page left to writeback (PG_reclaim)";
    public const string RotatedAfterWriteback = "written-back folio rotated to the inactive tail";
    public const string SwapFull = "reclaim with every swap slot taken";
    public const string NoSwap = "reclaim with no swap area";
    public const string CompactSucceeded = "compaction made a block of the order";
    public const string CompactCompleted = "compaction scanned the whole zone";
    public const string CompactSkipped = "compaction not suitable";
    public const string CompactMoved = "compaction moved pages around unmovable ones";
    public const string SwapoffBroughtBack = "swapoff brought pages back";
    public const string CopiedOnWrite = "copy-on-write after fork";
    public const string PinnedKept = "pinned page kept by reclaim";
    public const string InvalidRejected = "invalid op rejected";

    /// <summary>Every scenario a run can reach, in the order the tally prints them.</summary>
    public static IReadOnlyList<Scenario<ReclaimStepDone>> Scenarios { get; } =
    [
        new(FaultOutOfMemory, static d => d.Error is ReclaimOutOfMemory),
        new(Reclaimed, static d => d.Op is ReclaimOp.TryToFreePages && d.Actual.Value is > 0UL),
        new(SwappedOut, static d => d.After.Events.PswpOut > d.Before.Events.PswpOut),
        new(SwappedIn, static d => d.After.Events.PswpIn > d.Before.Events.PswpIn),
        new(SharedSwap, static d => d.After.Swap.Any(a => a.Used.Any(s => s.Count > 1))),
        new(ShmemSwapped, static d => d.After.ShmemSwap.Length > d.Before.ShmemSwap.Length),
        new(DirtyFileDeferred, static d => d.Op is ReclaimOp.TryToFreePages
            && d.After.Folios.Count(f => (f.Flags & FolioFlags.Reclaim) != 0)
                > d.Before.Folios.Count(f => (f.Flags & FolioFlags.Reclaim) != 0)),
        new(RotatedAfterWriteback, static d => d.Op is ReclaimOp.EndWriteback
            && d.Before.Folios.Any(f => (f.Flags & FolioFlags.Reclaim) != 0)),
        new(SwapFull, static d => d.Op is ReclaimOp.TryToFreePages && d.Before.Swap.Length > 0
            && d.Before.Swap.All(a => a.InUse == a.Usable)),
        new(NoSwap, static d => d.Op is ReclaimOp.TryToFreePages && d.Before.Swap.IsEmpty),
        new(CompactSucceeded, static d => d.Actual.Value is CompactionRun { Result: CompactResult.Success }),
        new(CompactCompleted, static d => d.Actual.Value is CompactionRun { Result: CompactResult.Complete }),
        new(CompactSkipped, static d => d.Actual.Value is CompactionRun { Result: CompactResult.Skipped }),
        new(CompactMoved, static d => d.Op is ReclaimOp.Compact && !d.Before.KernelPages.IsEmpty
            && d.After.Events.CompactIsolated > d.Before.Events.CompactIsolated),
        new(SwapoffBroughtBack, static d => d.Op is ReclaimOp.Swapoff && d.Actual.IsOk
            && d.Before.Swap.Any(a => a.InUse > 0)),
        new(CopiedOnWrite, static d => d.Op is ReclaimOp.Access { Write: true } && d.Before.Mms.Length > 1
            && d.After.Folios.Length > d.Before.Folios.Length && d.Before.Folios.Any(f => f.MapCount > 1)),
        new(PinnedKept, static d => d.Op is ReclaimOp.TryToFreePages && d.Before.Folios.Any(f => f.Pins > 0)),
        new(InvalidRejected, static d => d.Step.IsInvalid && d.Error is not null),
    ];

    public static IReadOnlyList<string> AllScenarios { get; } = Scenario<ReclaimStepDone>.Names(Scenarios);

    /// <summary>
    /// The rules in the order they are checked: no data lost (the most basic promise), bad input, the invariants, the
    /// swap rule, liveness, then the model's results and state at the exact level.
    /// </summary>
    public static IReadOnlyList<Rule<ReclaimStepDone>> Rules { get; } =
    [
        Rule<ReclaimStepDone>.Of(ReclaimRules.NoDataLost, Level.Safe, static d => DataLost(d),
            static d => d.ExpectedRead is not null && d.Actual.IsOk),
        Rule<ReclaimStepDone>.Of(ReclaimRules.BadInputRejected, Level.Safe,
            static d => d.Step.IsInvalid && d.Actual.IsOk ? $"{d.Op} was accepted: {d.Actual}" : null,
            static d => d.Step.IsInvalid),
        SharedRules.Unchanged<ReclaimStepDone>(static d => d.Op, static d => d.Error,
            static d => d.After.DiffFrom(d.Before)),
        Rule<ReclaimStepDone>.Invariants(Level.Safe, static d =>
                ReclaimInvariants.All(d.After).FirstOrDefault() is { } broken
                    ? broken with { Detail = $"implementation: {broken.Detail}" } : null,
            new(ReclaimInvariants.FrameOwnership, static d => d.After.Pages.Allocated != d.Before.Pages.Allocated),
            new(ReclaimInvariants.LruMembership, static d => !d.After.Lru.SequenceEqual(d.Before.Lru)),
            new(ReclaimInvariants.MapCounts, static d => d.After.Folios.Any(f => f.MapCount > 0)),
            new(ReclaimInvariants.SwapCounts, static d => d.After.Swap.Any(a => a.InUse > 0)),
            new(ReclaimInvariants.TlbCoherence, static d => d.Before.Tlb.Length > 0 && d.Actual.IsOk)),
        Rule<ReclaimStepDone>.Of(ReclaimRules.PinnedFolioStays, Level.Safe, static d => PinnedMoved(d),
            static d => d.Op is not (ReclaimOp.ExitMm or ReclaimOp.Munmap) && d.Before.Folios.Any(f => f.Pins > 0)),
        Rule<ReclaimStepDone>.Of(ReclaimRules.AnonKeptWithoutSwap, Level.Safe, static d => AnonDropped(d),
            static d => IsReclaim(d.Op) && !HasFreeSwap(d.Before)
                && d.Before.Folios.Any(f => f.Kind == FolioKind.Anon)),
        Rule<ReclaimStepDone>.Of(ReclaimRules.ReclaimFreesWhenReclaimable, Level.Live, static d => Unreclaimed(d),
            static d => d.Op is ReclaimOp.TryToFreePages && Reclaimable(d.Before) is not null),
        Rule<ReclaimStepDone>.Of(SharedRules.ModelPermits, Level.Exact,
            static d => d.Expected is { } e && e != d.Actual ? $"expected {e}, got {d.Actual}" : null,
            static d => d.Expected is not null),
        SharedRules.Same<ReclaimStepDone>(Level.Exact,
            static d => d.ModelAfter is { } m ? d.After.DiffFrom(m) : null,
            static d => d.ModelAfter is not null && !d.After.SameAs(d.Before)),
    ];

    /// <summary>The rules a campaign at <paramref name="level"/> puts to the test, and the error kinds.</summary>
    public static IEnumerable<string> Coverage(Level level) =>
        Rule<ReclaimStepDone>.Names(Rules, level)
            .Append(level.HasFlag(Level.Exact) ? SharedRules.ModelPermits : ReclaimRules.NoDataLost).Distinct()
            .Concat(ReclaimRules.ErrorKinds.Select(SharedRules.Returned));

    private static string? DataLost(ReclaimStepDone d) =>
        d.ExpectedRead is { } want && d.Actual.Value is ulong got && got != want
            ? $"{d.Op} read 0x{got:x}; the last value written there was 0x{want:x}" : null;

    /// <summary>
    /// A pinned folio (a device may be writing to its frame) is neither freed nor moved while the pin is held; only
    /// munmap and exit, which drop the address space's pins, may free it.
    /// </summary>
    private static string? PinnedMoved(ReclaimStepDone d)
    {
        if (d.Op is ReclaimOp.ExitMm or ReclaimOp.Munmap)
        {
            return null;
        }

        var after = d.After.Folios.ToDictionary(f => f.Pfn);
        var moved = d.Before.Folios.FirstOrDefault(f => f.Pins > 0 && (!after.TryGetValue(f.Pfn, out var now)
            || (now.Kind, now.Owner, now.Index) != (f.Kind, f.Owner, f.Index)));
        return moved is null ? null : $"{d.Op} moved or freed pinned folio {moved}";
    }

    private static bool IsReclaim(ReclaimOp op) => op is ReclaimOp.TryToFreePages or ReclaimOp.PageOut;

    private static bool HasFreeSwap(ReclaimSnapshot s) => s.Swap.Any(a => a.InUse < a.Usable);

    /// <summary>Reclaim that started with no free swap slot took no anonymous page out of memory.</summary>
    private static string? AnonDropped(ReclaimStepDone d)
    {
        if (!IsReclaim(d.Op) || HasFreeSwap(d.Before))
        {
            return null;
        }

        var gone = d.Before.Folios.Where(f => f.Kind == FolioKind.Anon && f.Swap is null)
            .FirstOrDefault(f => !d.After.Folios.Any(a => a.Kind == FolioKind.Anon && a.Pfn == f.Pfn));
        return gone is null ? null : $"{d.Op} with no free swap slot dropped anonymous folio {gone}";
    }

    /// <summary>
    /// A folio direct reclaim must free by priority 0, or null: on an inactive list, clean, unpinned, not under
    /// writeback, unreferenced (no PG_referenced, no young PTE), and on a list priority 0 scans whole: a file folio
    /// unless swap is on with swappiness 0 (file_is_tiny may scan anon only), a swap-backed one (anonymous or shmem)
    /// only with a free swap slot and swappiness above 0 (SCAN_EQUAL). Each such folio is taken from the tail and
    /// reclaimed (folio_check_references: FOLIOREF_RECLAIM) once the scan reaches it.
    /// </summary>
    private static FolioState? Reclaimable(ReclaimSnapshot s)
    {
        var swapOn = HasFreeSwap(s);
        var young = s.Mms.SelectMany(m => m.Ptes).Where(p => p.Young && p.Frame is not null)
            .Select(p => p.Frame!.Value).ToHashSet();
        return s.Folios.FirstOrDefault(f => f.Pins == 0 && !young.Contains(f.Pfn)
            && (f.Flags & (FolioFlags.Writeback | FolioFlags.Dirty | FolioFlags.Referenced | FolioFlags.Active)) == 0
            && ((f.Flags & FolioFlags.SwapBacked) == 0
                ? !(swapOn && s.Swappiness.Value == 0)
                : swapOn && s.Swappiness.Value > 0));
    }

    private static string? Unreclaimed(ReclaimStepDone d) =>
        d.Op is ReclaimOp.TryToFreePages && d.Actual.Value is 0UL && Reclaimable(d.Before) is { } folio
            ? $"{d.Op} freed nothing, but folio {folio} was inactive, clean, unreferenced, unpinned, not under"
                + " writeback, on a list priority 0 scans whole" : null;
}
