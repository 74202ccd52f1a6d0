using MMSpec.Model.Paging;
using Xunit;

namespace MMSpec.Properties.Paging;

/// <summary>Mapped objects sort files before shmem objects, then by number (the page cache is kept in this
/// order).</summary>
public sealed class IdsTests
{
    private static readonly MappedObject File1 = new(false, 1);
    private static readonly MappedObject File2 = new(false, 2);
    private static readonly MappedObject Shmem0 = new(true, 0);

    [Fact]
    public void Files_sort_before_shmem_then_by_number()
    {
        Assert.Equal((true, false, false), (File1 < File2, File2 < File1, File1 < new MappedObject(false, 1)));
        Assert.Equal((true, false, false), (File2 > File1, File1 > File2, File1 > new MappedObject(false, 1)));
        Assert.Equal((true, true, false), (File1 <= new MappedObject(false, 1), File2 <= Shmem0, Shmem0 <= File2));
        Assert.Equal((true, true, false), (File1 >= new MappedObject(false, 1), Shmem0 >= File2, File1 >= File2));
        Assert.Equal("file1 shmem0 mm3", $"{File1} {Shmem0} {new AsId(3)}");
    }
}
