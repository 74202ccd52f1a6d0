using MMSpec.Model.Core;

namespace MMSpec.Model.Paging;

/// <summary>Page migration, the step compaction is made of.</summary>
public partial class PagingModel
{
    /// <summary>
    /// migrate_folio_move for an anonymous page: copy to a new frame, remove_migration_pte with the old flags, free the
    /// old frame.
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

        if (!m.Ptes.TryGetValue(addr.Value, out var old))
        {
            return new NotMigratable(addr, "no page is mapped there");
        }

        if (old.Owner.Zero)
        {
            // The zero page is no LRU page: isolate_lru_page, and so compaction, never takes it.
            return new NotMigratable(addr, NotMigratable.ZeroPage);
        }

        if (old.Owner.Backing is not null)
        {
            return new NotMigratable(addr, "a page-cache page; only anonymous pages migrate here");
        }

        var frames = AllocFrames(1);
        if (frames is null)
        {
            return new PagingOutOfMemory("migrate_pages", 1);
        }

        Memory.Copy(old.Frame, frames[0]);
        m.Ptes[addr.Value] = old with { Frame = frames[0] };
        Free(old.Frame);
        return Unit.Value;
    }
}
