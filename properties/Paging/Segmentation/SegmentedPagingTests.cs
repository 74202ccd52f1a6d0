using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Paging.Segmentation;
using Xunit;

namespace MMSpec.Properties.Paging.Segmentation;

/// <summary>Logical to linear to physical: a segment's base moves the linear address, the page tables do the
/// rest.</summary>
public sealed class SegmentedPagingTests
{
    public static TheoryData<string> Sides => new() { "model", "impl" };

    [Theory]
    [MemberData(nameof(Sides))]
    public void Linux_flat_segments_make_logical_offsets_linear_addresses(string side)
    {
        var paging = Create(side);
        var mm = paging.CreateAddressSpace().Value;
        var gdt = LinuxFlatModel.Gdt(32);
        var bss = UserLayout.BssStart(paging.Format) + 12;
        Assert.Equal((byte)77,
            SegmentedPaging.Access(paging, mm, gdt, LinuxFlatModel.UserDs, bss, PrivilegeLevel.User, Access.Write,
            77).Value);
        Assert.Equal((byte)77, paging.Access(mm, new VirtAddr(bss), Access.Read, Privilege.User, 0).Value);
        Assert.True(SegmentedPaging.Access(paging, mm, gdt, LinuxFlatModel.UserCs, UserLayout.TextStart(paging.Format),
            PrivilegeLevel.User, Access.Fetch, 0).IsOk);
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void A_based_segment_shifts_the_linear_address_and_its_limit_is_checked_before_the_walk(string side)
    {
        var paging = Create(side);
        var mm = paging.CreateAddressSpace().Value;
        var bss = UserLayout.BssStart(paging.Format);
        var gdt = DescriptorTable.Empty(32).With(3, SegmentDescriptor.Data(bss, 4095, PrivilegeLevel.User));
        var segment = Selector.Of(3, TableIndicator.Gdt, PrivilegeLevel.User);
        Assert.Equal((byte)5,
            SegmentedPaging.Access(paging, mm, gdt, segment, 500, PrivilegeLevel.User, Access.Write, 5).Value);
        Assert.Equal((byte)5, paging.Access(mm, new VirtAddr(bss + 500), Access.Read, Privilege.User, 0).Value);
        var before = paging.Snapshot();
        Assert.IsType<SegmentLimitViolation>(SegmentedPaging.Access(paging, mm, gdt, segment, 4096, PrivilegeLevel.User,
            Access.Read, 0).Error);
        Assert.Null(before.DiffFrom(paging.Snapshot()));
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Cpl_0_to_2_walk_the_page_tables_as_supervisor_and_cpl_3_as_user(string side)
    {
        var paging = Create(side);
        var mm = paging.CreateAddressSpace().Value;
        var area = paging.Vmalloc(1).Value;
        var gdt = DescriptorTable.Empty(32);
        for (var level = 0; level <= PrivilegeLevel.Max; level++)
        {
            gdt = gdt.With(level + 1, SegmentDescriptor.Data(0, gdt.LinearMax, new PrivilegeLevel(level)));
        }

        for (var level = 0; level < PrivilegeLevel.Max; level++)
        {
            var cpl = new PrivilegeLevel(level);
            var segment = Selector.Of(level + 1, TableIndicator.Gdt, cpl);
            Assert.Equal((byte)(level + 1),
                SegmentedPaging.Access(paging, mm, gdt, segment, area.Value, cpl, Access.Write,
                (byte)(level + 1)).Value);
        }

        var user = Selector.Of(4, TableIndicator.Gdt, PrivilegeLevel.User);
        Assert.Equal(new SegmentationFault(area, Access.Read, Privilege.User,
            new PageFault(area, FaultKind.UserToSupervisor, paging.Format.Levels[0])),
            SegmentedPaging.Access(paging, mm, gdt, user, area.Value, PrivilegeLevel.User, Access.Read, 0).Error);
    }

    private static IPagingSystem Create(string side) => side == "model"
        ? new PagingModel(PagingFormat.TwoLevel, new BuddyModel(MemoryLayout.Flat(64)))
        : new PagingSystem(PagingFormat.TwoLevel, new BuddyAllocator(MemoryLayout.Flat(64)));
}
