using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using MMSpec.Model.Core;

namespace MMSpec.Model.Paging;

/// <summary>
/// One x86 paging mode: its table levels, entry size, virtual-address width, NX support and the user/kernel
/// split (arch/x86/include/asm/pgtable_{32,64}_types.h, page_{32,64}_types.h). Every table is one 4 KiB page.
/// In JSON it is its name: there are three formats, and each is known by it.
/// </summary>
[JsonConverter(typeof(JsonScalarConverter<PagingFormat>))]
public sealed record PagingFormat : IJsonScalar<PagingFormat>
{
    private PagingFormat(
        string name,
        ImmutableArray<PageLevel> levels,
        int entryBytes,
        int virtualBits,
        bool hasNx,
        ulong userTop,
        ulong kernelBase,
        ulong vmallocStart)
    {
        Name = name;
        Levels = levels;
        EntryBytes = entryBytes;
        VirtualBits = virtualBits;
        HasNx = hasNx;
        UserTop = userTop;
        KernelBase = kernelBase;
        VmallocStart = vmallocStart;
    }

    /// <summary>
    /// 2-level 32-bit paging: 10+10+12 bits, 1024 four-byte entries, no NX; 3G/1G split (PAGE_OFFSET 0xC0000000).
    /// </summary>
    public static PagingFormat TwoLevel { get; } =
        new("2-level 32-bit", [PageLevel.Pgd, PageLevel.Pte], 4, 32, false,
            0xC000_0000UL, 0xC000_0000UL, 0xF880_0000UL);

    /// <summary>
    /// 4-level 48-bit paging: 9 bits per level; TASK_SIZE_MAX = 2^47 - 4096; VMALLOC_START 0xffffc90000000000.
    /// </summary>
    public static PagingFormat FourLevel { get; } =
        new("4-level 48-bit", [PageLevel.Pgd, PageLevel.Pud, PageLevel.Pmd, PageLevel.Pte], 8, 48, true,
            (1UL << 47) - Pfn.PageSize, 0xFFFF_8000_0000_0000UL, 0xFFFF_C900_0000_0000UL);

    /// <summary>
    /// 5-level 57-bit paging (LA57): adds P4D; TASK_SIZE_MAX = 2^56 - 4096; VMALLOC_START 0xffa0000000000000.
    /// </summary>
    public static PagingFormat FiveLevel { get; } =
        new("5-level 57-bit", [PageLevel.Pgd, PageLevel.P4d, PageLevel.Pud, PageLevel.Pmd, PageLevel.Pte], 8, 57, true,
            (1UL << 56) - Pfn.PageSize, 0xFF00_0000_0000_0000UL, 0xFFA0_0000_0000_0000UL);

    public static ImmutableArray<PagingFormat> All { get; } = [TwoLevel, FourLevel, FiveLevel];

    public static PagingFormat ReadJson(ref Utf8JsonReader reader)
    {
        var name = reader.GetString();
        return All.FirstOrDefault(f => f.Name == name) ?? throw new JsonException(
            $"not a paging format: {name} (one of {string.Join(", ", All.Select(f => $"\"{f.Name}\""))})");
    }

    public void WriteJson(Utf8JsonWriter writer) => writer.WriteStringValue(Name);

    public string Name { get; }

    /// <summary>The levels a walk visits, top first; a level the format folds away is absent.</summary>
    public ImmutableArray<PageLevel> Levels { get; }

    public int EntryBytes { get; }

    public int VirtualBits { get; }

    /// <summary>
    /// Whether bit 63 is NX; 2-level 32-bit entries have no such bit, so every present page is executable.
    /// </summary>
    public bool HasNx { get; }

    /// <summary>The end (exclusive) of user space: TASK_SIZE.</summary>
    public ulong UserTop { get; }

    /// <summary>The first kernel address: the start of the half every address space shares.</summary>
    public ulong KernelBase { get; }

    /// <summary>VMALLOC_START; the vmalloc range is the span of one top-level entry from here.</summary>
    public ulong VmallocStart { get; }

    public int Depth => Levels.Length;

    public int BitsPerLevel => EntryBytes == 4 ? 10 : 9;

    public int EntriesPerTable => 1 << BitsPerLevel;

    /// <summary>Bytes one entry at walk depth <paramref name="depth"/> maps (depth 0 is the PGD).</summary>
    public ulong SpanOf(int depth) => 1UL << Shift(depth);

    /// <summary>
    /// Bytes one page table maps (2 MiB; 4 MiB with 2-level paging): the region a PDE-cache entry covers.
    /// </summary>
    public ulong PageTableSpan => SpanOf(Depth - 2);

    /// <summary>The bit where the index of walk depth <paramref name="depth"/> starts.</summary>
    public int Shift(int depth) => Pfn.PageShift + (BitsPerLevel * (Depth - 1 - depth));

    /// <summary>
    /// pgd_index, p4d_index ...: the entry at walk depth <paramref name="depth"/> that maps the address.
    /// </summary>
    public int IndexOf(ulong addr, int depth) => (int)((addr >> Shift(depth)) & (ulong)(EntriesPerTable - 1));

    /// <summary>
    /// The vmalloc range: one top-level entry's span, so its tables are shared by every address space.
    /// </summary>
    public ulong VmallocEnd => VmallocStart + SpanOf(0);

    /// <summary>
    /// Whether the address is canonical: below 2^32 for 32-bit; bits 63..47 equal to bit 47 (48-bit) or bits
    /// 63..56 equal to bit 56 (57-bit), as the CPU requires before it walks.
    /// </summary>
    public bool IsCanonical(ulong addr)
    {
        if (VirtualBits == 32)
        {
            return addr <= uint.MaxValue;
        }

        var high = (long)addr >> (VirtualBits - 1);
        return high is 0 or -1;
    }

    /// <summary>
    /// Whether mm_pgtables_bytes counts a table at this level: PTE, PMD and PUD tables, never the PGD or P4D.
    /// </summary>
    public static bool IsAccounted(PageLevel level) => level is PageLevel.Pte or PageLevel.Pmd or PageLevel.Pud;

    /// <summary>
    /// The frame an entry points to: bits 12..51 (PTE_PFN_MASK; a 4-byte entry has no bits above 31).
    /// </summary>
    public static Pfn FrameOf(ulong entry) => new((entry & 0x000F_FFFF_FFFF_F000UL) / Pfn.PageSize);

    /// <summary>Whether the address is in the kernel half, whose tables every address space shares.</summary>
    public bool IsKernel(ulong addr) => addr >= KernelBase;

    /// <summary>The flag bits of an entry (the frame bits masked out; NX only where the format has it).</summary>
    public PteFlags FlagsOf(ulong entry) => (PteFlags)(entry & (HasNx ? 0x8000_0000_0000_0FFFUL : 0xFFFUL));

    /// <summary>mk_pte: a frame and its flags as the entry the format stores.</summary>
    public static ulong MakeEntry(Pfn frame, PteFlags flags) => (frame.Value << Pfn.PageShift) | (ulong)flags;

    public override string ToString() => Name;
}
