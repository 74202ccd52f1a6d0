using MMSpec.Model.Paging.Segmentation;
using Xunit;

namespace MMSpec.Properties.Paging.Segmentation;

/// <summary>Selector bit fields and privilege levels, as x86 lays them out.</summary>
public sealed class SelectorTests
{
    [Theory]
    [InlineData((ushort)0x1b, 3, TableIndicator.Gdt, 3, "0x1b (index 3, GDT, RPL 3)")]
    [InlineData((ushort)0x10, 2, TableIndicator.Gdt, 0, "0x10 (index 2, GDT, RPL 0)")]
    [InlineData((ushort)0x0f, 1, TableIndicator.Ldt, 3, "0xf (index 1, LDT, RPL 3)")]
    [InlineData((ushort)0xfffe, 8191, TableIndicator.Ldt, 2, "0xfffe (index 8191, LDT, RPL 2)")]
    public void Bits_are_index_table_and_rpl(ushort value, int index, TableIndicator table, int rpl, string text)
    {
        var selector = new Selector(value);
        Assert.Equal((index, table, rpl, text),
            (selector.Index, selector.Table, selector.Rpl.Value, selector.ToString()));
        Assert.Equal(selector, Selector.Of(index, table, new PrivilegeLevel(rpl)));
    }

    [Fact]
    public void Null_selector_is_gdt_index_zero_whatever_the_rpl()
    {
        Assert.All(new ushort[] { 0, 1, 2, 3 }, value => Assert.True(new Selector(value).IsNull));
        Assert.False(new Selector(4).IsNull);
        Assert.False(new Selector(8).IsNull);
        Assert.Equal((ushort)0x18, new Selector(0x1b).ErrorCode);
    }

    [Fact]
    public void Linux_selectors_have_the_values_of_segment_h()
    {
        Assert.Equal(
            new ushort[] { 0x10, 0x18, 0x2b, 0x33 },
            new[] { LinuxFlatModel.KernelCs, LinuxFlatModel.KernelDs, LinuxFlatModel.UserDs,
                LinuxFlatModel.UserCs }.Select(s => s.Value));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(4)]
    public void Privilege_level_is_0_to_3(int value) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new PrivilegeLevel(value));

    [Theory]
    [InlineData(-1)]
    [InlineData(8192)]
    public void Selector_index_has_13_bits(int index) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Selector.Of(index, TableIndicator.Gdt, PrivilegeLevel.Kernel));
}
