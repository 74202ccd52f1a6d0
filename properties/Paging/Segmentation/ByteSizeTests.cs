using MMSpec.Model.Paging.Segmentation;
using Xunit;

namespace MMSpec.Properties.Paging.Segmentation;

/// <summary>Sizes in the largest binary unit that divides them exactly, bytes otherwise.</summary>
public sealed class ByteSizeTests
{
    [Theory]
    [InlineData(0UL, "0 B")]
    [InlineData(1000UL, "1000 B")]
    [InlineData(1025UL, "1025 B")]
    [InlineData(1024UL, "1 KiB")]
    [InlineData(3072UL, "3 KiB")]
    [InlineData(1536UL << 10, "1536 KiB")]
    [InlineData(3UL << 20, "3 MiB")]
    [InlineData(1UL << 30, "1 GiB")]
    [InlineData(5UL << 40, "5120 GiB")]
    public void Format_uses_the_largest_unit_that_divides_the_size(ulong bytes, string text) =>
        Assert.Equal(text, ByteSize.Format(bytes));
}
