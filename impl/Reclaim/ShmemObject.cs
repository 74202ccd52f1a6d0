using MMSpec.Model.Reclaim;

namespace MMSpec.Impl.Reclaim;

/// <summary>
/// A shmem object (the inode behind one MAP_SHARED|MAP_ANONYMOUS mmap): how many mappings hold it, its pages in
/// memory (the page cache's folios by index) and its pages on swap (the swap entries its i_pages hold).
/// </summary>
internal sealed class ShmemObject(int id)
{
    public int Id { get; } = id;

    /// <summary>The mappings of the object left, in every address space (the file's reference count).</summary>
    public int Maps { get; set; } = 1;

    public Dictionary<ulong, int> Resident { get; } = [];

    public Dictionary<ulong, SwapEntry> Swapped { get; } = [];
}
