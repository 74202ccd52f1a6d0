using MMSpec.Impl.Paging;
using MMSpec.Model.Core;
using Xunit;

namespace MMSpec.Properties.Paging;

/// <summary>
/// The implementation's sparse physical memory on its own: the chunk map's size, the scan for the next non-empty
/// table entry that the snapshot's walk relies on, and the count of frames that hold bytes.
/// </summary>
public sealed class FrameStoreTests
{
    [Fact]
    public void A_store_for_eight_gib_of_frames_is_one_reference_per_chunk_of_1024_frames()
    {
        var frames = 1UL << 21;
        var store = new FrameStore(frames);
        var last = new Pfn(frames - 1);
        store.Write(last, 4095, 7);
        Assert.Equal(((byte)7, 1), (store.Read(last, 4095), store.StoredFrames));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public void The_next_entry_is_the_first_non_zero_one_at_or_after_the_start(int entryBytes)
    {
        var store = new FrameStore(16);
        var table = new Pfn(3);
        var entries = 4096 / entryBytes;
        store.WriteEntry(table, 3, entryBytes, 0x1003);
        store.WriteEntry(table, entries - 1, entryBytes, 0x2003);
        Assert.Equal(3, store.NextEntry(table, 0, entries, entryBytes));
        Assert.Equal(3, store.NextEntry(table, 3, entries, entryBytes));
        Assert.Equal(entries - 1, store.NextEntry(table, 4, entries, entryBytes));
        Assert.Equal(-1, store.NextEntry(table, 4, entries - 1, entryBytes));
        Assert.Equal(-1, store.NextEntry(table, entries, entries, entryBytes));
    }

    [Fact]
    public void A_frame_never_written_has_no_next_entry()
    {
        var store = new FrameStore(16);
        Assert.Equal(-1, store.NextEntry(new Pfn(5), 0, 512, 8));
        Assert.Equal(-1, store.NextEntry(new Pfn(5), 7, 512, 8));
        store.WriteEntry(new Pfn(5), 9, 8, 0);
        Assert.Equal(-1, store.NextEntry(new Pfn(5), 7, 512, 8));
    }

    [Fact]
    public void Clearing_a_frame_stops_its_storage_once()
    {
        var store = new FrameStore(16);
        store.Write(new Pfn(1), 0, 1);
        store.Write(new Pfn(2), 0, 2);
        store.Clear(new Pfn(1));
        Assert.Equal(1, store.StoredFrames);
        store.Clear(new Pfn(1));
        store.Clear(new Pfn(9));
        Assert.Equal(((byte)0, 1), (store.Read(new Pfn(1), 0), store.StoredFrames));
    }

    [Fact]
    public void Loading_bytes_into_a_stored_frame_reuses_its_storage()
    {
        var store = new FrameStore(16);
        store.Write(new Pfn(1), 0, 1);
        var bytes = new byte[Pfn.PageSize];
        bytes[10] = 9;
        store.Load(new Pfn(1), bytes);
        Assert.Equal((0, 9), (store.Read(new Pfn(1), 0), store.Read(new Pfn(1), 10)));
        Assert.Equal(1, store.StoredFrames);
        store.Load(new Pfn(2), bytes);
        store.Load(new Pfn(1), null);
        Assert.Equal(((byte)9, 1), (store.Read(new Pfn(2), 10), store.StoredFrames));
    }
}
