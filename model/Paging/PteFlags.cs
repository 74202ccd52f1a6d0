namespace MMSpec.Model.Paging;

/// <summary>Page-table entry bits at their x86 positions (arch/x86/include/asm/pgtable_types.h, _PAGE_BIT_*).</summary>
[Flags]
public enum PteFlags : ulong
{
    None = 0,
    Present = 1UL << 0,
    ReadWrite = 1UL << 1,
    User = 1UL << 2,
    WriteThrough = 1UL << 3,
    CacheDisable = 1UL << 4,
    Accessed = 1UL << 5,
    Dirty = 1UL << 6,

    /// <summary>PAT in a PTE, PS (huge page) in a non-leaf entry.</summary>
    PageSize = 1UL << 7,
    Global = 1UL << 8,
    NoExecute = 1UL << 63,
}
