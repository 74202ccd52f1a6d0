using MMSpec.Model.Core;

namespace MMSpec.Model.Paging.Segmentation;

/// <summary>
/// Segmented paging (seed 001): the segment turns (selector, offset) into a linear address, then the page
/// tables of the address space turn that into a frame. CPL 3 accesses as user, CPL 0 to 2 as supervisor.
/// </summary>
public static class SegmentedPaging
{
    public static Result<byte> Access(IPagingSystem paging, AsId mm, DescriptorTable table, Selector selector,
        ulong offset, PrivilegeLevel cpl, Access access, byte value)
    {
        var linear = SegmentTranslation.Translate(table, selector, offset, cpl, access switch
        {
            Paging.Access.Write => SegmentAccess.Write,
            Paging.Access.Fetch => SegmentAccess.Fetch,
            _ => SegmentAccess.Read,
        });
        if (!linear.IsOk)
        {
            return linear.Error!;
        }

        return paging.Access(mm, new VirtAddr(linear.Value), access,
            cpl == PrivilegeLevel.User ? Privilege.User : Privilege.Supervisor, value);
    }
}
