using MMSpec.Model.Core;

namespace MMSpec.Model.Paging;

/// <summary>
/// What the frames hold, stored sparsely: only frames ever written have a page of bytes, the rest read as zero.
/// Like real memory, a freed frame keeps its bytes until someone clears or overwrites it (clear_page).
/// </summary>
public sealed class PhysicalMemory
{
    private readonly Dictionary<Pfn, byte[]> _frames = [];

    public byte Read(Pfn frame, ulong offset) => _frames.TryGetValue(frame, out var bytes) ? bytes[offset] : (byte)0;

    public void Write(Pfn frame, ulong offset, byte value)
    {
        if (!_frames.TryGetValue(frame, out var bytes))
        {
            if (value == 0)
            {
                return;
            }

            bytes = new byte[Pfn.PageSize];
            _frames.Add(frame, bytes);
        }

        bytes[offset] = value;
    }

    /// <summary>clear_page.</summary>
    public void Clear(Pfn frame) => _frames.Remove(frame);

    /// <summary>copy_page (copy-on-write, reading a file page in, writing one back).</summary>
    public void Copy(Pfn from, Pfn to)
    {
        if (_frames.TryGetValue(from, out var bytes))
        {
            _frames[to] = (byte[])bytes.Clone();
        }
        else
        {
            _frames.Remove(to);
        }
    }

    /// <summary>The page's bytes, or null when it reads as all zeros.</summary>
    public byte[]? Save(Pfn frame) => _frames.TryGetValue(frame, out var bytes) ? (byte[])bytes.Clone() : null;

    public void Load(Pfn frame, byte[]? bytes)
    {
        if (bytes is null)
        {
            _frames.Remove(frame);
        }
        else
        {
            _frames[frame] = (byte[])bytes.Clone();
        }
    }

    /// <summary>How many frames hold stored bytes: the cost of the sparse store.</summary>
    public int StoredFrames => _frames.Count;
}
