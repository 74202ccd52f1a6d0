namespace MMSpec.Model.Core;

/// <summary>A kernel virtual address; printed in hex as the kernel prints pointers with %px.</summary>
public readonly record struct VirtAddr(ulong Value)
{
    public override string ToString() => $"0x{Value:x}";
}
