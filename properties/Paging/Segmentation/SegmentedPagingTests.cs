using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Paging.Segmentation;
using Xunit;

namespace MMSpec.Properties.Paging.Segmentation;

/// <summary>Logical to linear to physical: a segment's base moves the linear address, the page tables do the rest.</summary>
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
        Assert.Equal((byte)77, SegmentedPaging.Access(paging, mm, gdt, LinuxFlatModel.UserDs, bss, PrivilegeLevel.User, Access.Write, 77).Value);
        Assert.Equal((byte)77, paging.Access(mm, new VirtAddr(bss), Access.Read, Privilege.User, 0).Value);
        Assert.True(SegmentedPaging.Access(paging, mm, gdt, LinuxFlatModel.UserCs, UserLayout.TextStart(paging.Format), PrivilegeLevel.User, Access.Fetch, 0).IsOk);
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
        Assert.Equal((byte)5, SegmentedPaging.Access(paging, mm, gdt, segment, 500, PrivilegeLevel.User, Access.Write, 5).Value);
        Assert.Equal((byte)5, paging.Access(mm, new VirtAddr(bss + 500), Access.Read, Privilege.User, 0).Value);
        var before = paging.Snapshot();
        Assert.IsType<SegmentLimitViolation>(SegmentedPaging.Access(paging, mm, gdt, segment, 4096, PrivilegeLevel.User, Access.Read, 0).Error);
        Assert.Null(before.DiffFrom(paging.Snapshot()));
    }

    private static IPagingSystem Create(string side) => side == "model"
        ? new PagingModel(PagingFormat.TwoLevel, new BuddyModel(MemoryLayout.Flat(64)))
        : new PagingSystem(PagingFormat.TwoLevel, new BuddyAllocator(MemoryLayout.Flat(64)));
}
