using System.Buffers.Binary;
using System.Runtime.InteropServices;
using MMSpec.Model.Core;

namespace MMSpec.Impl.Paging;

/// <summary>
/// Physical memory with contents, stored sparsely like a two-level mem_section map: pfn / 1024 selects a
/// chunk of 1024 page references, allocated on the first write into it; a page's bytes exist only once
/// written. Never-written frames read as zero. A freed frame keeps its bytes until cleared (clear_page).
/// Page-table pages live here too: their entries are little-endian words read and written in place.
/// </summary>
internal sealed class FrameStore(ulong frameCount)
{
    private const int ChunkFrames = 1024;
    private const int ChunkMask = ChunkFrames - 1;

    private readonly byte[]?[]?[] _chunks = new byte[]?[]?[(frameCount / ChunkFrames) + 1];

    /// <summary>How many frames hold stored bytes: the cost of the sparse store.</summary>
    public int StoredFrames { get; private set; }

    public byte Read(Pfn frame, ulong offset) => Page(frame) is { } bytes ? bytes[offset] : (byte)0;

    public void Write(Pfn frame, ulong offset, byte value)
    {
        if (Page(frame) is { } bytes)
        {
            bytes[offset] = value;
        }
        else if (value != 0)
        {
            Materialize(frame)[offset] = value;
        }
    }

    /// <summary>
    /// The entry at <paramref name="index"/> of the table in <paramref name="frame"/>: 4 or 8 bytes, little-endian.
    /// </summary>
    public ulong ReadEntry(Pfn frame, int index, int entryBytes)
    {
        if (Page(frame) is not { } bytes)
        {
            return 0;
        }

        var at = bytes.AsSpan(index * entryBytes, entryBytes);
        return entryBytes == 4
            ? BinaryPrimitives.ReadUInt32LittleEndian(at)
            : BinaryPrimitives.ReadUInt64LittleEndian(at);
    }

    /// <summary>
    /// The index of the first non-zero entry at or after <paramref name="from"/> among the table's first
    /// <paramref name="entries"/>, or -1. The trick: empty entries are skipped a vector of words at a time
    /// (IndexOfAnyExcept), which is what makes walking every table for a snapshot cheap.
    /// </summary>
    public int NextEntry(Pfn frame, int from, int entries, int entryBytes)
    {
        if (Page(frame) is not { } bytes || from >= entries)
        {
            return -1;
        }

        var words = bytes.AsSpan(0, entries * entryBytes);
        var found = entryBytes == 4
            ? MemoryMarshal.Cast<byte, uint>(words)[from..].IndexOfAnyExcept(0U)
            : MemoryMarshal.Cast<byte, ulong>(words)[from..].IndexOfAnyExcept(0UL);
        return found < 0 ? -1 : from + found;
    }

    public void WriteEntry(Pfn frame, int index, int entryBytes, ulong entry)
    {
        var bytes = Page(frame) ?? Materialize(frame);
        var at = bytes.AsSpan(index * entryBytes, entryBytes);
        if (entryBytes == 4)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(at, (uint)entry);
        }
        else
        {
            BinaryPrimitives.WriteUInt64LittleEndian(at, entry);
        }
    }

    /// <summary>clear_page: the frame reads as zeros again, and stops costing storage.</summary>
    public void Clear(Pfn frame)
    {
        var chunk = _chunks[frame.Value / ChunkFrames];
        if (chunk is not null && chunk[(int)frame.Value & ChunkMask] is not null)
        {
            chunk[(int)frame.Value & ChunkMask] = null;
            StoredFrames--;
        }
    }

    /// <summary>copy_page.</summary>
    public void Copy(Pfn from, Pfn to) => Load(to, Page(from));

    /// <summary>The page's bytes as a copy (writeback to disk), or null when it reads as all zeros.</summary>
    public byte[]? Save(Pfn frame) => Page(frame) is { } bytes ? (byte[])bytes.Clone() : null;

    /// <summary>The frame's contents replaced by <paramref name="bytes"/> (zeros when null).</summary>
    public void Load(Pfn frame, byte[]? bytes)
    {
        if (bytes is null)
        {
            Clear(frame);
        }
        else
        {
            bytes.CopyTo(Page(frame) ?? Materialize(frame), 0);
        }
    }

    private byte[]? Page(Pfn frame) => _chunks[frame.Value / ChunkFrames]?[(int)frame.Value & ChunkMask];

    private byte[] Materialize(Pfn frame)
    {
        var chunk = _chunks[frame.Value / ChunkFrames] ??= new byte[]?[ChunkFrames];
        var bytes = new byte[Pfn.PageSize];
        chunk[(int)frame.Value & ChunkMask] = bytes;
        StoredFrames++;
        return bytes;
    }
}
