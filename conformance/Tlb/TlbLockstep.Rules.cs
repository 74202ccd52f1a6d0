using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Tlb;

/// <summary>
/// What one step of the machine did, for the rules: the step and its call (null for the initial state), the result,
/// the machine's state before and after, the address spaces the incremental check took (null for the whole state),
/// whether the step could have changed the paging state, and the reference machine.
/// </summary>
public readonly record struct TlbStepDone(TlbStep? Step, MachineOp? Call, OpResult Observed, MachineSnapshot Before,
    MachineSnapshot After, IReadOnlySet<AsId>? Spaces, bool Paging, Machine Model);

/// <summary>The rules after each step as data: coherence, what an instruction left, isolation, paging state.</summary>
public sealed partial class TlbLockstep
{
    /// <summary>
    /// Every rule, in order: the caches coherent with the page tables (of <see cref="TlbStepDone.Spaces"/> only
    /// when given), the instruction's effect, isolation on every CPU, then (unless the step left the paging state
    /// alone) the paging invariants and the reference's paging state.
    /// </summary>
    public static IReadOnlyList<Rule<TlbStepDone>> Rules { get; } =
    [
        Rule<TlbStepDone>.Invariants(Level.Safe, static d =>
                TlbInvariants.CheckCoherence(d.After, d.Spaces).FirstOrDefault()
                ?? TlbInvariants.CheckPagingStructureCoherence(d.After, d.Spaces).FirstOrDefault(),
            new(TlbInvariants.Coherence, static d => ChangedTables(d) && d.Before.Cpus.Any(c => !c.Entries.IsEmpty)),
            new(TlbInvariants.PagingStructureCoherence,
                static d => ChangedTables(d) && d.Before.Cpus.Any(c => !c.PageTables.IsEmpty))),
        Rule<TlbStepDone>.Of(InstructionEffect, Level.Safe, static d =>
                d is { Step: { } step, Call: { } call, Observed.IsOk: true }
                    ? Instruction(step, call, d.Before, d.After)
                    : null,
            static d => d is { Step: InvlpgStep or Cr3Step or PgeStep or InvpcidStep, Observed.IsOk: true }
                && d.Before.Cpus.Any(c => !c.Entries.IsEmpty)),
        Rule<TlbStepDone>.Of(OnlyAllowedEntries, Level.Safe, static d => NotAllowed(d.After, d.Model),
            static d => d.Step is SwitchStep || d.After.Cpus.Sum(c => c.Misses) > d.Before.Cpus.Sum(c => c.Misses)),
        Rule<TlbStepDone>.Invariants(Level.Safe, static d => !d.Paging ? null
                : (d.Spaces is null ? PagingInvariants.All(d.After.Paging) : PagingInvariants.Within(d.After.Paging))
                    .FirstOrDefault(),
            new Exercise<TlbStepDone>(PagingInvariants.FrameOwnership, static d => d.Paging && FramesMoved(d))),
        SharedRules.Same<TlbStepDone>(Level.Safe, static d => !d.Paging ? null
                : (d.Spaces is null ? d.Model.Paging.Snapshot() : d.Model.Paging.SnapshotOf(d.Spaces))
                    .DiffFrom(d.After.Paging),
            static d => d.Paging && FramesMoved(d)),
    ];

    /// <summary>
    /// The errors a machine returns, each a rule ("exactly when it applies") that a step puts to the test by
    /// returning it: the instructions' and the faults'.
    /// </summary>
    public static IReadOnlyList<Type> ErrorKinds { get; } =
        [typeof(InvalidInstruction), typeof(NoAddressSpace), typeof(SegmentationFault)];

    /// <summary>
    /// The rules a run at <paramref name="checks"/> puts to the test: the result as walking gives it, the rules, and
    /// every error kind.
    /// </summary>
    public static IReadOnlyList<string> Coverage(Level checks) =>
        [SameResult, .. Rule<TlbStepDone>.Names(Rules, checks), .. ErrorKinds.Select(SharedRules.Returned)];

    /// <summary>A step that can free or change page-table entries under other CPUs' caches, and succeeded.</summary>
    private static bool ChangedTables(TlbStepDone d) =>
        d is { Step: UnmapStep or ProtectStep or HeapStep or MigratePageStep or VfreeAreaStep or DestroyMmStep,
            Observed.IsOk: true };

    private static bool FramesMoved(TlbStepDone d) =>
        !d.Before.Paging.Pages.Allocated.SequenceEqual(d.After.Paging.Pages.Allocated);

    /// <summary>An entry some CPU holds that no walk in its PCID produced since the last invalidation.</summary>
    private static string? NotAllowed(MachineSnapshot state, Machine model)
    {
        foreach (var cpu in state.Cpus)
        {
            var allowed = (AllowedEntries)model.TlbOf(cpu.Id);
            foreach (var entry in cpu.Entries)
            {
                // A loop rather than Where: no closure for each CPU at each step.
                if (!allowed.Allows(entry))
                {
                    return $"{cpu.Id} holds {entry}, which no walk in its PCID produced since the last invalidation";
                }
            }
        }

        return null;
    }

    /// <summary>
    /// What an instruction must have left in the TLB and the PDE cache of its CPU, checked on the entries themselves.
    /// </summary>
    private static string? Instruction(TlbStep step, MachineOp call, MachineSnapshot before, MachineSnapshot after)
    {
        if (Target(call) is not ({ } id, var vpn) || id >= after.Cpus.Length)
        {
            return null;
        }

        var was = before.Cpus[id];
        var now = after.Cpus[id];
        var pcidOn = after.Config.PcidEnabled;
        var left = step switch
        {
            InvlpgStep when vpn is { } page => now.Entries.Where(e => e.Vpn == page
                && (e.Global || e.Pcid == now.Pcid)),
            Cr3Step { NoFlush: false } when !pcidOn => now.Entries.Where(e =>
                !e.Global).Concat(was.Entries.Where(e => e.Global).Except(now.Entries)),
            Cr3Step { NoFlush: false } => now.Entries.Where(e => !e.Global && e.Pcid == now.Pcid),
            Cr3Step => was.Entries.Except(now.Entries),
            PgeStep => now.Entries,
            InvpcidStep { Type: InvpcidType.IndividualAddress } s when s.Pcid <= Pcid.Max && vpn is { } page =>
                now.Entries.Where(e => !e.Global && e.Pcid.Value == s.Pcid
                    && e.Vpn == page).Concat(was.Entries.Where(e => e.Global).Except(now.Entries)),
            InvpcidStep { Type: InvpcidType.SingleContext } s when s.Pcid <= Pcid.Max =>
                now.Entries.Where(e => !e.Global && e.Pcid.Value == s.Pcid),
            InvpcidStep { Type: InvpcidType.AllIncludingGlobal } s when s.Pcid <= Pcid.Max => now.Entries,
            InvpcidStep { Type: InvpcidType.AllExceptGlobal } s when s.Pcid <= Pcid.Max =>
                now.Entries.Where(e => !e.Global),
            _ => [],
        };
        foreach (var wrong in left)
        {
            return $"after {call} {now.Id} still has (or lost) {wrong}";
        }

        // SDM 4.10.4.1: each of these drops every PDE-cache entry of its PCID whatever the address; a CR3 write with
        // the no-flush bit none.
        var leftTables = step switch
        {
            InvlpgStep or Cr3Step { NoFlush: false } => now.PageTables.Where(p => p.Pcid == now.Pcid),
            Cr3Step => was.PageTables.Except(now.PageTables),
            PgeStep => now.PageTables,
            InvpcidStep { Type: InvpcidType.IndividualAddress or InvpcidType.SingleContext } s =>
                now.PageTables.Where(p => p.Pcid.Value == s.Pcid),
            InvpcidStep => now.PageTables,
            _ => [],
        };
        foreach (var wrong in leftTables)
        {
            return $"after {call} {now.Id} still has (or lost) PDE-cache entry {wrong}";
        }

        return null;
    }
}
