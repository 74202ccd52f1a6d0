using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Impl.Paging;

/// <summary>Page migration, the step compaction is made of.</summary>
public sealed partial class PagingSystem
{
    /// <summary>
    /// migrate_folio_move for an anonymous page: the leaf entry found by a walk that reads the tables, the bytes
    /// copied to a new frame, the entry rewritten with the old flags (remove_migration_pte), the old frame freed.
    /// </summary>
    public Result<Unit> MigratePage(AsId mm, VirtAddr addr)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        if (VmaPlan.UserRange(Format, addr, 1) is { } bad)
        {
            return bad;
        }

        var index = Format.IndexOf(addr.Value, Format.Depth - 1);
        if (LeafTable(m, addr.Value) is not { } table || Entry(table, index) is var entry && entry == 0)
        {
            return new NotMigratable(addr, "no page is mapped there");
        }

        var old = PagingFormat.FrameOf(entry);
        if (old == _zeroPage)
        {
            return new NotMigratable(addr, NotMigratable.ZeroPage);
        }

        if (_cache.OwnerOf(old) is not null)
        {
            return new NotMigratable(addr, "a page-cache page; only anonymous pages migrate here");
        }

        if (!AllocFrames(1, _frames))
        {
            return new PagingOutOfMemory("migrate_pages", 1);
        }

        _memory.Copy(old, _frames[0]);
        SetEntry(table, index, PagingFormat.MakeEntry(_frames[0], Format.FlagsOf(entry)));
        Free(old);
        return Unit.Value;
    }
}
