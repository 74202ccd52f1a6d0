using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using AccessKind = MMSpec.Model.Paging.Access;

namespace MMSpec.Impl.Paging;

/// <summary>
/// The MMU side: walking the tables in frames, the access itself, and reading the tables back for snapshots.
/// </summary>
public sealed partial class PagingSystem
{
    /// <summary>
    /// The MMU's walk from <paramref name="table"/> at walk depth <paramref name="from"/> (the PGD at 0; the page
    /// table itself after a PDE-cache hit), reading each level's entry from memory: stop at the first entry that is
    /// not present; then U/S (the highest level without _PAGE_USER), R/W and NX. On success the leaf's slot and value.
    /// </summary>
    private PageFault? Walk(ulong addr, AccessKind access, Privilege privilege, int from, ref Pfn table,
        out int index, out ulong entry)
    {
        index = 0;
        entry = 0;
        if (!Format.IsCanonical(addr))
        {
            return new PageFault(new VirtAddr(addr), FaultKind.NonCanonical, null);
        }

        var supervisorLevel = -1;
        var readOnlyLevel = -1;
        for (var depth = from; ; depth++)
        {
            index = Format.IndexOf(addr, depth);
            entry = Entry(table, index);
            var flags = Format.FlagsOf(entry);
            if (!flags.HasFlag(PteFlags.Present))
            {
                return new PageFault(new VirtAddr(addr), FaultKind.NotPresent, Format.Levels[depth]);
            }

            supervisorLevel = supervisorLevel < 0 && !flags.HasFlag(PteFlags.User) ? depth : supervisorLevel;
            readOnlyLevel = readOnlyLevel < 0 && !flags.HasFlag(PteFlags.ReadWrite) ? depth : readOnlyLevel;
            if (depth == Format.Depth - 1)
            {
                break;
            }

            table = PagingFormat.FrameOf(entry);
        }

        if (privilege == Privilege.User && supervisorLevel >= 0)
        {
            return new PageFault(new VirtAddr(addr), FaultKind.UserToSupervisor, Format.Levels[supervisorLevel]);
        }

        if (access == AccessKind.Write && readOnlyLevel >= 0)
        {
            return new PageFault(new VirtAddr(addr), FaultKind.WriteToReadOnly, Format.Levels[readOnlyLevel]);
        }

        return access == AccessKind.Fetch && Format.FlagsOf(entry).HasFlag(PteFlags.NoExecute)
            ? new PageFault(new VirtAddr(addr), FaultKind.FetchFromNx, Format.Levels[^1])
            : null;
    }

    /// <summary>
    /// The walk from <paramref name="table"/> at depth <paramref name="from"/>; on success A (and D) set in the leaf.
    /// </summary>
    private Result<PageWalk> Translate(ulong addr, AccessKind access, Privilege privilege, int from, Pfn table)
    {
        if (Walk(addr, access, privilege, from, ref table, out var index, out var entry) is { } fault)
        {
            return fault;
        }

        var updated = SetAccessed(table, index, entry, access);
        return new PageWalk(new Translation(PagingFormat.FrameOf(updated), Format.FlagsOf(updated)), table);
    }

    /// <summary>
    /// The access itself, once the walk succeeds: A (and D on a write) written back into the leaf, then the byte.
    /// </summary>
    private byte Touch(Pfn table, int index, ulong entry, ulong addr, AccessKind access, byte value)
    {
        var frame = PagingFormat.FrameOf(SetAccessed(table, index, entry, access));
        var offset = addr & (Pfn.PageSize - 1);
        if (access == AccessKind.Write)
        {
            _memory.Write(frame, offset, value);
            return value;
        }

        return _memory.Read(frame, offset);
    }

    /// <summary>The walk's side effect: A on every access, D on a write, written back into the leaf entry.</summary>
    private ulong SetAccessed(Pfn table, int index, ulong entry, AccessKind access)
    {
        var updated = entry | (ulong)PteFlags.Accessed | (access == AccessKind.Write ? (ulong)PteFlags.Dirty : 0);
        SetEntry(table, index, updated);
        return updated;
    }

    /// <summary>
    /// The tables and leaf entries under <paramref name="table"/>'s first <paramref name="entries"/> entries, in
    /// address order.
    /// </summary>
    private void Collect(Pfn table, int depth, ulong tableBase, int entries, List<TableState> tables,
        List<PageState> pages)
    {
        var bound = new LoopBound(entries);
        for (var index = NextEntry(table, 0, entries); index >= 0; index = NextEntry(table, index + 1, entries))
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            bound.Next();
            var entry = Entry(table, index);
            var at = tableBase + ((ulong)index << Format.Shift(depth));
            var frame = PagingFormat.FrameOf(entry);
            if (depth == Format.Depth - 1)
            {
                var owner = _cache.OwnerOf(frame);
                pages.Add(new PageState(at, frame, Format.FlagsOf(entry), frame == _zeroPage ? PageOwner.ZeroPage
                    : new PageOwner(owner?.Backing, owner?.PgOff ?? 0)));
                continue;
            }

            tables.Add(new TableState(depth + 1, at / Format.SpanOf(depth), frame));
            Collect(frame, depth + 1, at, Format.EntriesPerTable, tables, pages);
        }
    }

    /// <summary>
    /// The page table that holds the leaf entry of <paramref name="addr"/>, walked from the PGD (pte_offset_map after
    /// the upper levels); null where an upper entry is empty.
    /// </summary>
    private Pfn? LeafTable(ImplMm m, ulong addr)
    {
        var table = m.Pgd;
        for (var depth = 0; depth < Format.Depth - 1; depth++)
        {
            var entry = Entry(table, Format.IndexOf(addr, depth));
            if (entry == 0)
            {
                return null;
            }

            table = PagingFormat.FrameOf(entry);
        }

        return table;
    }

    private int NextEntry(Pfn table, int from, int entries) =>
        _memory.NextEntry(table, from, entries, Format.EntryBytes);

    private ulong Entry(Pfn table, int index) => _memory.ReadEntry(table, index, Format.EntryBytes);

    private void SetEntry(Pfn table, int index, ulong entry) =>
        _memory.WriteEntry(table, index, Format.EntryBytes, entry);
}
