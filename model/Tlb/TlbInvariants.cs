using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Model.Tlb;

/// <summary>
/// The TLB coherence rule (docs/tlb.md, "Rules"), checked on the entries a machine's TLBs hold, and its counterpart
/// for the PDE caches.
/// </summary>
public static class TlbInvariants
{
    public const string Coherence = "tlb-coherence";
    public const string PagingStructureCoherence = "paging-structure-cache-coherence";

    /// <summary>
    /// After every kernel operation, every entry in every TLB either equals the current PTE or maps the same
    /// frame with fewer rights (R/W, U/S, NX); an entry whose PTE is gone, points elsewhere, or grants a right
    /// the PTE no longer grants is stale (the CVE-2018-18281 bug class). A non-global entry must belong to the
    /// address space its PCID stands for on that CPU. With <paramref name="only"/>, the snapshot holds only those
    /// address spaces (<see cref="Machine.SnapshotOf"/>) and the non-global entries of the others are not checked.
    /// </summary>
    public static IEnumerable<Violation> CheckCoherence(MachineSnapshot s, IReadOnlySet<AsId>? only = null)
    {
        var kernel = s.Paging.KernelPages.ToDictionary(p => p.Addr);
        var spaces = s.Paging.Spaces.ToDictionary(m => m.Id, m => m.Pages.ToDictionary(p => p.Addr));
        foreach (var cpu in s.Cpus)
        {
            foreach (var entry in cpu.Entries)
            {
                var owner = entry.Global ? null : cpu.OwnerOf(entry.Pcid, s.Config.PcidEnabled);
                if (owner is { } left && only?.Contains(left) == false)
                {
                    continue;
                }

                var ptes = entry.Global ? kernel
                    : owner is { } mm && spaces.TryGetValue(mm, out var pages) ? pages : null;
                var why = ptes is null ? $"its {entry.Pcid} belongs to no live address space on {cpu.Id}"
                    : !ptes.TryGetValue(entry.Addr, out var pte) || !pte.Flags.HasFlag(PteFlags.Present)
                        ? "its page is no longer mapped"
                    : pte.Frame != entry.Translation.Frame ? $"the page now maps {pte.Frame}"
                    : Extra(entry.Translation.Flags, pte.Flags) is { Length: > 0 } extra
                        ? $"it grants {extra} that the PTE [{PteFlagsText.Of(pte.Flags)}] does not"
                    : null;
                if (why is not null)
                {
                    yield return new Violation(Coherence, $"{cpu.Id}: {entry} is stale: {why}");
                }
            }
        }
    }

    /// <summary>
    /// After every kernel operation, every PDE-cache entry names the page table that maps its region now, in the
    /// address space its PCID stands for on that CPU: a page table freed (or replaced) while a CPU still caches a
    /// pointer to it lets that CPU walk whatever the frame holds next (the kernel must flush before the free).
    /// With <paramref name="only"/>, as for <see cref="CheckCoherence"/>.
    /// </summary>
    public static IEnumerable<Violation> CheckPagingStructureCoherence(
        MachineSnapshot s, IReadOnlySet<AsId>? only = null)
    {
        var format = s.Paging.Format;
        var spaces = s.Paging.Spaces.ToDictionary(
            m => m.Id,
            m => m.Tables.Where(t => t.Depth == format.Depth - 1)
                .ToDictionary(t => t.Index * format.PageTableSpan, t => t.Frame));
        foreach (var cpu in s.Cpus)
        {
            foreach (var entry in cpu.PageTables)
            {
                var owner = cpu.OwnerOf(entry.Pcid, s.Config.PcidEnabled);
                if (owner is { } left && only?.Contains(left) == false)
                {
                    continue;
                }

                var tables = owner is { } mm && spaces.TryGetValue(mm, out var owned) ? owned : null;
                var why = tables is null ? $"its {entry.Pcid} belongs to no live address space on {cpu.Id}"
                    : !tables.TryGetValue(entry.Region, out var table) ? "no page table maps its region any more"
                    : table != entry.PageTable ? $"the region's page table is now {table}"
                    : null;
                if (why is not null)
                {
                    yield return new Violation(
                        PagingStructureCoherence, $"{cpu.Id}: PDE-cache entry {entry} is stale: {why}");
                }
            }
        }
    }

    /// <summary>The rights (write, user, execute) the entry grants and the PTE does not, as letters.</summary>
    private static string Extra(PteFlags entry, PteFlags pte) =>
        $"{(entry.HasFlag(PteFlags.ReadWrite) && !pte.HasFlag(PteFlags.ReadWrite) ? "W" : string.Empty)}"
        + $"{(entry.HasFlag(PteFlags.User) && !pte.HasFlag(PteFlags.User) ? "U" : string.Empty)}"
        + $"{(!entry.HasFlag(PteFlags.NoExecute) && pte.HasFlag(PteFlags.NoExecute) ? "X" : string.Empty)}";
}
