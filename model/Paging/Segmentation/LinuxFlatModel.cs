namespace MMSpec.Model.Paging.Segmentation;

/// <summary>
/// Linux's flat segmentation: every segment has base 0 and covers the whole linear space, so linear == offset and
/// segments serve only for privilege. Indices are the x86-64 ones of arch/x86/include/asm/segment.h and the
/// descriptors those of gdt_page in arch/x86/kernel/cpu/common.c (GDT_ENTRY_INIT 0xa09b, 0xc093, 0xc0f3, 0xa0fb).
/// </summary>
public static class LinuxFlatModel
{
    public const int KernelCsEntry = 2;
    public const int KernelDsEntry = 3;
    public const int UserDsEntry = 5;
    public const int UserCsEntry = 6;

    /// <summary>__KERNEL_CS = GDT_ENTRY_KERNEL_CS*8 = 0x10.</summary>
    public static Selector KernelCs => Selector.Of(KernelCsEntry, TableIndicator.Gdt, PrivilegeLevel.Kernel);

    /// <summary>__KERNEL_DS = GDT_ENTRY_KERNEL_DS*8 = 0x18.</summary>
    public static Selector KernelDs => Selector.Of(KernelDsEntry, TableIndicator.Gdt, PrivilegeLevel.Kernel);

    /// <summary>__USER_DS = GDT_ENTRY_DEFAULT_USER_DS*8 + 3 = 0x2b.</summary>
    public static Selector UserDs => Selector.Of(UserDsEntry, TableIndicator.Gdt, PrivilegeLevel.User);

    /// <summary>__USER_CS = GDT_ENTRY_DEFAULT_USER_CS*8 + 3 = 0x33.</summary>
    public static Selector UserCs => Selector.Of(UserCsEntry, TableIndicator.Gdt, PrivilegeLevel.User);

    /// <summary>The four flat segments, each with base 0 and limit 2^linearBits - 1; the other entries are not
    /// present.</summary>
    public static DescriptorTable Gdt(int linearBits)
    {
        var empty = DescriptorTable.Empty(linearBits);
        var limit = empty.LinearMax;
        return empty
            .With(KernelCsEntry, SegmentDescriptor.Code(0, limit, PrivilegeLevel.Kernel))
            .With(KernelDsEntry, SegmentDescriptor.Data(0, limit, PrivilegeLevel.Kernel))
            .With(UserDsEntry, SegmentDescriptor.Data(0, limit, PrivilegeLevel.User))
            .With(UserCsEntry, SegmentDescriptor.Code(0, limit, PrivilegeLevel.User));
    }
}
