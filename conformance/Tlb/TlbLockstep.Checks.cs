using System.Collections.Immutable;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Tlb;

/// <summary>The checks after each step: coherence, isolation, the paging state and what an instruction left.</summary>
public sealed partial class TlbLockstep
{
    private static Violation? Coherence(MachineSnapshot state, IReadOnlySet<AsId>? spaces) =>
        TlbInvariants.CheckCoherence(state, spaces).FirstOrDefault()
        ?? TlbInvariants.CheckPagingStructureCoherence(state, spaces).FirstOrDefault();

    /// <summary>
    /// Isolation on every CPU, then (unless the step left the paging state alone) the paging invariants and the
    /// reference's paging state, of <paramref name="spaces"/> only when given.
    /// </summary>
    private Violation? Check(MachineSnapshot state, IReadOnlySet<AsId>? spaces, bool paging = true)
    {
        foreach (var cpu in state.Cpus)
        {
            var allowed = (AllowedEntries)model.TlbOf(cpu.Id);
            foreach (var entry in cpu.Entries)
            {
                // A loop rather than Where: no closure for each CPU at each step.
                if (!allowed.Allows(entry))
                {
                    return new Violation(OnlyAllowedEntries,
                        $"{cpu.Id} holds {entry}, which no walk in its PCID produced since the last invalidation");
                }
            }
        }

        if (!paging)
        {
            return null;
        }

        var invariants = spaces is null ? PagingInvariants.All(state.Paging) : PagingInvariants.Within(state.Paging);
        if (invariants.FirstOrDefault() is { } broken)
        {
            return broken;
        }

        var reference = spaces is null ? model.Paging.Snapshot() : model.Paging.SnapshotOf(spaces);
        return reference.DiffFrom(state.Paging) is { } diff ? new Violation(SameState, diff) : null;
    }

    /// <summary>
    /// What an instruction must have left in the TLB and the PDE cache of its CPU, checked on the entries themselves.
    /// </summary>
    private static Violation? CheckInstruction(TlbStep step, MachineOp call, MachineSnapshot before,
        MachineSnapshot after)
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
            return new Violation(InstructionEffect, $"after {call} {now.Id} still has (or lost) {wrong}");
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
            return new Violation(InstructionEffect,
                $"after {call} {now.Id} still has (or lost) PDE-cache entry {wrong}");
        }

        return null;
    }
}
