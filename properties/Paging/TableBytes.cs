using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Properties.Paging;

/// <summary>
/// Page-table entries read and written as the bytes of their frames (<see cref="IPagingSystem.ReadFrame"/>,
/// <see cref="IPagingSystem.WriteFrame"/>): what the implementation's tables hold, and entries forged there.
/// </summary>
internal static class TableBytes
{
    public static ulong Read(IPagingSystem paging, Pfn table, int index)
    {
        var size = paging.Format.EntryBytes;
        var entry = 0UL;
        for (var b = 0; b < size; b++)
        {
            entry |= (ulong)paging.ReadFrame(table, (ulong)((index * size) + b)) << (8 * b);
        }

        return entry;
    }

    public static void Write(IPagingSystem paging, Pfn table, int index, ulong entry)
    {
        var size = paging.Format.EntryBytes;
        for (var b = 0; b < size; b++)
        {
            paging.WriteFrame(table, (ulong)((index * size) + b), (byte)(entry >> (8 * b)));
        }
    }

    /// <summary>The table at walk depth <paramref name="depth"/> (0: the PGD) for <paramref name="addr"/>.</summary>
    public static Pfn TableAt(IPagingSystem paging, Pfn pgd, ulong addr, int depth)
    {
        var table = pgd;
        for (var d = 0; d < depth; d++)
        {
            table = PagingFormat.FrameOf(Read(paging, table, paging.Format.IndexOf(addr, d)));
        }

        return table;
    }

    /// <summary>The entry at walk depth <paramref name="depth"/> for <paramref name="addr"/>, and its table.</summary>
    public static (Pfn Table, int Index) Slot(IPagingSystem paging, Pfn pgd, ulong addr, int depth) =>
        (TableAt(paging, pgd, addr, depth), paging.Format.IndexOf(addr, depth));

    /// <summary>The entry at <paramref name="slot"/> given <paramref name="change"/>.</summary>
    public static ulong Change(IPagingSystem paging, (Pfn Table, int Index) slot, Func<ulong, ulong> change)
    {
        var entry = change(Read(paging, slot.Table, slot.Index));
        Write(paging, slot.Table, slot.Index, entry);
        return entry;
    }

    /// <summary>A frame taken from the buddy allocator behind the paging system's back, as a forged table.</summary>
    public static ulong ForgedTable(IPagingSystem paging) =>
        PagingFormat.MakeEntry(
            paging.Pages.AllocPages(new Order(0), ZoneType.Normal).Value,
            PteFlags.Present | PteFlags.ReadWrite | PteFlags.User | PteFlags.Accessed);
}
