using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using Xunit;

namespace MMSpec.Properties.Paging;

/// <summary>The sparse physical memory: zeros cost nothing, and copy, load and save move whole pages by
/// value.</summary>
public sealed class PhysicalMemoryTests
{
    private static readonly Pfn A = new(1);
    private static readonly Pfn B = new(2);
    private static readonly Pfn Untouched = new(3);

    [Fact]
    public void Writing_zero_to_an_untouched_frame_stores_nothing()
    {
        var memory = new PhysicalMemory();
        memory.Write(A, 5, 0);
        Assert.Equal(0, memory.StoredFrames);
        memory.Write(A, 5, 9);
        memory.Write(A, 6, 0);
        Assert.Equal((1, (byte)9, (byte)0), (memory.StoredFrames, memory.Read(A, 5), memory.Read(A, 6)));
        memory.Clear(A);
        Assert.Equal((0, (byte)0), (memory.StoredFrames, memory.Read(A, 5)));
    }

    [Fact]
    public void Copy_and_load_replace_the_whole_destination_even_with_zeros()
    {
        var memory = new PhysicalMemory();
        memory.Write(A, 1, 7);
        memory.Write(B, 2, 8);
        memory.Copy(A, B);
        memory.Write(A, 1, 1);
        Assert.Equal(((byte)7, (byte)0), (memory.Read(B, 1), memory.Read(B, 2)));

        memory.Copy(Untouched, B);
        Assert.Equal((byte)0, memory.Read(B, 1));

        memory.Write(B, 1, 8);
        memory.Load(B, null);
        Assert.Equal((byte)0, memory.Read(B, 1));

        var saved = memory.Save(A)!;
        memory.Load(B, saved);
        saved[1] = 99;
        memory.Write(A, 1, 2);
        Assert.Equal(((byte)1, (byte)2), (memory.Read(B, 1), memory.Read(A, 1)));
        Assert.Null(memory.Save(Untouched));
        Assert.Equal(2, memory.StoredFrames);
    }
}
