namespace MMSpec.Model.Core;

/// <summary>
/// The x86-64 direct map (arch/x86/include/asm/page_64.h): every frame is mapped at PAGE_OFFSET + pfn * PAGE_SIZE,
/// so __va and virt_to_pfn are an addition and a subtraction.
/// </summary>
public static class DirectMap
{
    /// <summary>__PAGE_OFFSET_BASE_L4 without KASLR.</summary>
    public const ulong PageOffset = 0xffff_8880_0000_0000UL;

    /// <summary>__va(pfn &lt;&lt; PAGE_SHIFT) + offset.</summary>
    public static VirtAddr Of(Pfn pfn, ulong offset = 0) => new(PageOffset + (pfn.Value << Pfn.PageShift) + offset);

    /// <summary>
    /// virt_to_pfn and the offset in that page; false when the address maps none of the machine's frames.
    /// </summary>
    public static bool TryPfn(VirtAddr addr, ulong frameCount, out Pfn pfn, out ulong offset)
    {
        (pfn, offset) = (default, 0);
        if (addr.Value < PageOffset || (addr.Value - PageOffset) / Pfn.PageSize >= frameCount)
        {
            return false;
        }

        // PAGE_OFFSET is page-aligned, so the offset in the page is the address's own.
        (pfn, offset) = (new Pfn((addr.Value - PageOffset) / Pfn.PageSize), addr.Value % Pfn.PageSize);
        return true;
    }
}
