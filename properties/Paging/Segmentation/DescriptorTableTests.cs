using MMSpec.Model.Paging.Segmentation;
using Xunit;

namespace MMSpec.Properties.Paging.Segmentation;

/// <summary>The GDT as a value: it grows to the highest entry set, compares by width and entries, and refuses bad
/// input.</summary>
public sealed class DescriptorTableTests
{
    private static SegmentDescriptor UserData => SegmentDescriptor.Data(0x7000, 0xfff, PrivilegeLevel.User);

    [Fact]
    public void Setting_an_entry_grows_the_table_to_it_with_null_descriptors_and_no_further()
    {
        var table = DescriptorTable.Empty(32).With(3, UserData);
        Assert.Equal<SegmentDescriptor>([SegmentDescriptor.Null, SegmentDescriptor.Null, SegmentDescriptor.Null,
            UserData], table.Entries);
        var code = SegmentDescriptor.Code(0, 0xffff, PrivilegeLevel.Kernel);
        Assert.Equal<SegmentDescriptor>([SegmentDescriptor.Null, code, SegmentDescriptor.Null, UserData],
            table.With(1, code).Entries);
        Assert.Equal(
            """
            GDT, 32-bit linear space
               0: data base 0x0 limit 0x0 DPL 0 --- not present
               1: code base 0x0 limit 0xffff DPL 0 r-x
               2: data base 0x0 limit 0x0 DPL 0 --- not present
               3: data base 0x7000 limit 0xfff DPL 3 rw-
            """.ReplaceLineEndings("\n"),
            table.With(1, code).ToString());
    }

    [Fact]
    public void A_not_present_copy_keeps_every_field_but_the_p_bit()
    {
        var swapped = UserData.NotPresent();
        Assert.Equal((0x7000UL, 0xfffUL, PrivilegeLevel.User, SegmentKind.Data, true, true, false),
            (swapped.Base, swapped.Limit, swapped.Dpl, swapped.Kind, swapped.Readable, swapped.Writable,
                swapped.Present));
        Assert.Equal("data base 0x7000 limit 0xfff DPL 3 rw- not present", swapped.ToString());
        var selector = Selector.Of(1, TableIndicator.Gdt, PrivilegeLevel.User);
        Assert.Equal(new SegmentNotPresent(selector),
            SegmentTranslation.Translate(DescriptorTable.Empty(32).With(1, swapped), selector, 0, PrivilegeLevel.User,
                SegmentAccess.Read).Error);
    }

    [Fact]
    public void Tables_are_equal_when_width_and_entries_are()
    {
        var table = DescriptorTable.Empty(32).With(3, UserData);
        var same = DescriptorTable.Empty(32).With(3, UserData);
        Assert.True(table.Equals(same));
        Assert.Equal(table.GetHashCode(), same.GetHashCode());
        Assert.False(table.Equals(null));
        Assert.False(DescriptorTable.Empty(32).Equals(DescriptorTable.Empty(64)));
        Assert.False(table.Equals(DescriptorTable.Empty(32).With(3, UserData.NotPresent())));
    }

    [Theory]
    [InlineData(1, 1UL)]
    [InlineData(32, 0xFFFF_FFFFUL)]
    [InlineData(64, ulong.MaxValue)]
    public void Linear_max_is_2_to_the_width_minus_one(int bits, ulong linearMax) =>
        Assert.Equal(linearMax, DescriptorTable.Empty(bits).LinearMax);

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    public void Linear_width_is_1_to_64_bits(int bits) =>
        Assert.Throws<ArgumentOutOfRangeException>("linearBits", () => DescriptorTable.Empty(bits));

    [Fact]
    public void Only_entries_1_to_8191_can_be_set_and_only_to_a_descriptor()
    {
        var table = DescriptorTable.Empty(32);
        Assert.Throws<ArgumentOutOfRangeException>("index", () => table.With(0, UserData));
        Assert.Throws<ArgumentOutOfRangeException>("index", () => table.With(Selector.MaxIndex + 1, UserData));
        Assert.Throws<ArgumentNullException>("descriptor", () => table.With(1, null!));
        Assert.Equal(Selector.MaxIndex + 1, table.With(Selector.MaxIndex, UserData).Entries.Length);
    }
}
