using MMSpec.Model.Core;

namespace MMSpec.Model.Paging;

/// <summary>
/// The MMU side: translating an address (setting A and D in the leaf entry), the walk from a cached page table,
/// the walk itself with its U/S, R/W and NX checks, the access once the walk succeeds, and the table keys
/// (pgd_offset and the rest) every seam uses.
/// </summary>
public partial class PagingModel
{
    public Result<PageWalk> Translate(AsId mm, VirtAddr addr, Access access, Privilege privilege)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        if (Walk(m, addr.Value, access, privilege) is { } fault)
        {
            return fault;
        }

        // The walk sets A on every access and D on a write, in the leaf entry.
        var page = PageMath.Down(addr.Value);
        var kernel = Format.IsKernel(addr.Value);
        var ptes = kernel ? _kernelPtes : m.Ptes;
        var pte = ptes[page];
        ptes[page] = pte with
        {
            Flags = pte.Flags | PteFlags.Accessed | (access == Paging.Access.Write ? PteFlags.Dirty : PteFlags.None),
        };
        return new PageWalk(
            new Translation(pte.Frame, ptes[page].Flags),
            (kernel ? _kernelTables : m.Tables)[TableKey(addr.Value, Format.Depth - 1)]);
    }

    /// <summary>
    /// Without table bytes to read, the walk from a cached page table is the walk from CR3 while the table is still the
    /// address's.
    /// </summary>
    public Result<PageWalk> TranslateFrom(AsId mm, Pfn pageTable, VirtAddr addr, Access access, Privilege privilege)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        var tables = Format.IsKernel(addr.Value) ? _kernelTables : m.Tables;
        return tables.TryGetValue(TableKey(addr.Value, Format.Depth - 1), out var table) && table == pageTable
            ? Translate(mm, addr, access, privilege)
            : new StaleTableWalk(addr, pageTable);
    }

    /// <summary>The MMU's walk: the first entry that is not present, then U/S, R/W and NX on the way down.</summary>
    protected virtual PageFault? Walk(ModelMm m, ulong addr, Access access, Privilege privilege)
    {
        var at = new VirtAddr(addr);
        if (!Format.IsCanonical(addr))
        {
            return new PageFault(at, FaultKind.NonCanonical, null);
        }

        var kernel = Format.IsKernel(addr);
        var tables = kernel ? _kernelTables : m.Tables;
        for (var depth = 1; depth < Format.Depth; depth++)
        {
            if (!tables.ContainsKey(TableKey(addr, depth)))
            {
                return new PageFault(at, FaultKind.NotPresent, Format.Levels[depth - 1]);
            }
        }

        var leafLevel = Format.Levels[^1];
        if (!(kernel ? _kernelPtes : m.Ptes).TryGetValue(PageMath.Down(addr), out var pte)
            || !pte.Flags.HasFlag(PteFlags.Present))
        {
            return new PageFault(at, FaultKind.NotPresent, leafLevel);
        }

        if (privilege == Privilege.User && kernel)
        {
            // The kernel's PGD entries are _KERNPG_TABLE: no _PAGE_USER, so the walk is refused at the top.
            return new PageFault(at, FaultKind.UserToSupervisor, Format.Levels[0]);
        }

        if (access == Paging.Access.Write && !pte.Flags.HasFlag(PteFlags.ReadWrite))
        {
            return new PageFault(at, FaultKind.WriteToReadOnly, leafLevel);
        }

        return access == Paging.Access.Fetch && pte.Flags.HasFlag(PteFlags.NoExecute)
            ? new PageFault(at, FaultKind.FetchFromNx, leafLevel)
            : null;
    }

    /// <summary>The access itself, once the walk succeeds: the byte read or written.</summary>
    private byte Touch(Pfn frame, ulong addr, Access access, byte value)
    {
        var offset = addr & (Pfn.PageSize - 1);
        if (access == Paging.Access.Write)
        {
            Memory.Write(frame, offset, value);
            return value;
        }

        return Memory.Read(frame, offset);
    }

    /// <summary>
    /// pgd_offset, p4d_offset ...: the table at walk depth <paramref name="depth"/> is the one for the range an entry
    /// one level up maps.
    /// </summary>
    protected virtual (int Depth, ulong Index) TableKey(ulong addr, int depth) =>
        (depth, addr / Format.SpanOf(depth - 1));
}
