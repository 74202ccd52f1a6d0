namespace MMSpec.Model.Core;

/// <summary>A kernel virtual address; printed in hex as the kernel prints pointers with %px.</summary>
public readonly record struct VirtAddr(ulong Value)
{
    /// <summary>The virtual page number: the address over PAGE_SIZE (what a TLB entry is tagged with).</summary>
    public ulong Vpn => Value / Pfn.PageSize;

    public override string ToString() => $"0x{Value:x}";
}
