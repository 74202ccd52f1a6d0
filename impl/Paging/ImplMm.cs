using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Impl.Paging;

/// <summary>
/// The implementation's mm_struct: the PGD's frame (the tables themselves live in physical memory), the
/// VMAs (the model's immutable <see cref="VmaSet"/>, reused: the VMA tree is not what this implementation
/// optimises), the break, and the counters Linux keeps incrementally: mm_pgtables_bytes and the RSS
/// counters MM_FILEPAGES, MM_ANONPAGES, MM_SHMEMPAGES.
/// </summary>
internal sealed class ImplMm(AsId id, Pfn pgd, VmaSet vmas, ulong brk)
{
    public AsId Id { get; } = id;

    public Pfn Pgd { get; } = pgd;

    public VmaSet Vmas { get; set; } = vmas;

    public ulong Brk { get; set; } = brk;

    public ulong PgTablesBytes { get; set; }

    public long RssFile { get; private set; }

    public long RssAnon { get; private set; }

    public long RssShmem { get; private set; }

    /// <summary>add_mm_counter for one page of the given backing (anonymous when null).</summary>
    public void CountPage(MappedObject? backing, int delta)
    {
        if (backing is null)
        {
            RssAnon += delta;
        }
        else if (backing.Value.Shmem)
        {
            RssShmem += delta;
        }
        else
        {
            RssFile += delta;
        }
    }
}
