using MMSpec.Model.Paging.Segmentation;
using Xunit;

namespace MMSpec.Properties.Paging.Segmentation;

/// <summary>Linux's flat model: base 0, limit covering the whole linear space, so linear == offset; only privilege
/// remains.</summary>
public sealed class LinuxFlatModelTests
{
    public static TheoryData<int, int, SegmentAccess> Segments => new()
    {
        { LinuxFlatModel.KernelCsEntry, 0, SegmentAccess.Fetch },
        { LinuxFlatModel.KernelCsEntry, 0, SegmentAccess.Read },
        { LinuxFlatModel.KernelDsEntry, 0, SegmentAccess.Write },
        { LinuxFlatModel.UserDsEntry, 3, SegmentAccess.Write },
        { LinuxFlatModel.UserCsEntry, 3, SegmentAccess.Fetch },
        { LinuxFlatModel.UserCsEntry, 3, SegmentAccess.Read },
    };

    [Theory]
    [MemberData(nameof(Segments))]
    public void Linear_equals_offset_for_every_flat_segment(int entry, int level, SegmentAccess access)
    {
        foreach (var bits in new[] { 32, 48, 64 })
        {
            var gdt = LinuxFlatModel.Gdt(bits);
            var dpl = new PrivilegeLevel(level);
            var selector = Selector.Of(entry, TableIndicator.Gdt, dpl);
            ulong[] offsets = [0, 1, 0x1000, 0x7fff_ffff, gdt.LinearMax / 3, gdt.LinearMax - 1, gdt.LinearMax];
            Assert.All(offsets,
                offset => Assert.Equal(offset, SegmentTranslation.Translate(gdt, selector, offset, dpl, access).Value));
        }
    }

    [Fact]
    public void Limit_of_the_32_bit_flat_segments_is_4_gib_minus_one()
    {
        var gdt = LinuxFlatModel.Gdt(32);
        Assert.Equal(0xFFFF_FFFFUL, gdt.LinearMax);
        int[] flat = [LinuxFlatModel.KernelCsEntry, LinuxFlatModel.KernelDsEntry, LinuxFlatModel.UserDsEntry,
            LinuxFlatModel.UserCsEntry];
        Assert.All(flat,
            entry => Assert.Equal((0UL, 0xFFFF_FFFFUL), (gdt.Entries[entry].Base, gdt.Entries[entry].Limit)));
        Assert.Equal(new SegmentLimitViolation(LinuxFlatModel.KernelDs, 0x1_0000_0000, 0xFFFF_FFFF),
            SegmentTranslation.Translate(gdt, LinuxFlatModel.KernelDs, 0x1_0000_0000, PrivilegeLevel.Kernel,
                SegmentAccess.Read).Error);
    }

    [Fact]
    public void User_code_at_cpl_3_cannot_use_kernel_segments()
    {
        var gdt = LinuxFlatModel.Gdt(64);
        var user = PrivilegeLevel.User;
        var kernel = PrivilegeLevel.Kernel;
        Assert.Equal(new PrivilegeViolation(LinuxFlatModel.KernelDs, user, kernel, SegmentAccess.Read),
            SegmentTranslation.Translate(gdt, LinuxFlatModel.KernelDs, 0x1000, user, SegmentAccess.Read).Error);
        Assert.Equal(new PrivilegeViolation(LinuxFlatModel.KernelCs, user, kernel, SegmentAccess.Fetch),
            SegmentTranslation.Translate(gdt, LinuxFlatModel.KernelCs, 0x1000, user, SegmentAccess.Fetch).Error);
    }

    [Fact]
    public void Kernel_reaches_user_data_but_does_not_fetch_through_user_code()
    {
        var gdt = LinuxFlatModel.Gdt(64);
        var kernel = PrivilegeLevel.Kernel;
        Assert.Equal(0x1000UL,
            SegmentTranslation.Translate(gdt, LinuxFlatModel.UserDs, 0x1000, kernel, SegmentAccess.Write).Value);
        Assert.Equal(new PrivilegeViolation(LinuxFlatModel.UserCs, kernel, PrivilegeLevel.User, SegmentAccess.Fetch),
            SegmentTranslation.Translate(gdt, LinuxFlatModel.UserCs, 0x1000, kernel, SegmentAccess.Fetch).Error);
    }

    [Fact]
    public void Gdt_prints_one_entry_per_line()
    {
        var lines = LinuxFlatModel.Gdt(32).ToString().Split('\n');
        Assert.Equal("GDT, 32-bit linear space", lines[0]);
        Assert.Equal("   2: code base 0x0 limit 0xffffffff DPL 0 r-x", lines[3]);
        Assert.Equal("   5: data base 0x0 limit 0xffffffff DPL 3 rw-", lines[6]);
        Assert.Equal("   4: data base 0x0 limit 0x0 DPL 0 --- not present", lines[5]);
    }
}
