using MMSpec.Model.Reclaim;

namespace MMSpec.Conformance.Reclaim;

/// <summary>
/// A generated reclaim operation. Address spaces, mappings, swap areas and kernel allocations are named by handle:
/// mm #1 is the second live address space (modulo how many there are), mapping #2 the third mapping of it, resolved
/// against the implementation's state when the step runs, so a sequence stays meaningful while it shrinks.
/// </summary>
public abstract record ReclaimStep
{
    /// <summary>Whether the step is meant to be rejected with a typed error (generated on purpose).</summary>
    public virtual bool IsInvalid => false;
}

public sealed record NewMm : ReclaimStep
{
    public override string ToString() => "mm_alloc";
}

public sealed record ForkMm(int Mm) : ReclaimStep
{
    public override string ToString() => $"fork(mm #{Mm})";
}

public sealed record ExitMm(int Mm) : ReclaimStep
{
    public override string ToString() => $"exit(mm #{Mm})";
}

/// <summary>mmap of a kind; a file mapping longer than the file is invalid.</summary>
public sealed record MapStep(int Mm, MapKind Kind, int File, int Pages) : ReclaimStep
{
    public override string ToString() => $"mmap(mm #{Mm}, {Kind}, file {File}, {Pages} pages)";
}

public sealed record UnmapStep(int Mm, int Mapping) : ReclaimStep
{
    public override string ToString() => $"munmap(mm #{Mm}, mapping #{Mapping})";
}

/// <summary>An access to page #Page of mapping #Mapping of mm #Mm on CPU #Cpu.</summary>
public sealed record TouchStep(int Mm, int Mapping, int Page, int Cpu, bool Write, ulong Value) : ReclaimStep
{
    public override string ToString() =>
        $"{(Write ? "write" : "read")}(mm #{Mm}, mapping #{Mapping}, page {Page}, cpu {Cpu}"
            + (Write ? $", 0x{Value:x})" : ")");
}

/// <summary>pread or pwrite of a file page.</summary>
public sealed record FileIoStep(int File, int PgOff, bool Write, ulong Value) : ReclaimStep
{
    public override string ToString() =>
        Write ? $"pwrite(file {File}, page {PgOff}, 0x{Value:x})" : $"pread(file {File}, page {PgOff})";
}

public sealed record PinStep(int Mm, int Mapping, int Page, bool Unpin) : ReclaimStep
{
    public override string ToString() => $"{(Unpin ? "unpin" : "pin")}(mm #{Mm}, mapping #{Mapping}, page {Page})";
}

public sealed record PageOutStep(int Mm, int Mapping, int Page) : ReclaimStep
{
    public override string ToString() => $"madv_pageout(mm #{Mm}, mapping #{Mapping}, page {Page})";
}

public sealed record SwappinessStep(int Value) : ReclaimStep
{
    public override bool IsInvalid => !new Swappiness(Value).IsValid;

    public override string ToString() => $"swappiness({Value})";
}

public sealed record SwaponStep(long Slots, int? Priority) : ReclaimStep
{
    public override bool IsInvalid =>
        Slots is < 2 or > (long)ReclaimModel.MaxSwapSlots || Priority is < 0 or > ReclaimModel.MaxSwapPriority;

    public override string ToString() => $"swapon({Slots} slots{(Priority is { } p ? $", prio {p}" : "")})";
}

/// <summary>swapoff of area #Area; a handle of SwapType.Max or more names an area that is not on.</summary>
public sealed record SwapoffStep(int Area) : ReclaimStep
{
    public override bool IsInvalid => Area >= SwapType.Max;

    public override string ToString() => $"swapoff(area #{Area})";
}

public sealed record ReclaimNow : ReclaimStep
{
    public override string ToString() => "try_to_free_pages";
}

public sealed record WritebackStep(bool End) : ReclaimStep
{
    public override string ToString() => End ? "end_writeback" : "writeback";
}

/// <summary>Compaction for an order; an order outside 0..10 or a zone the machine lacks is invalid.</summary>
public sealed record CompactStep(int Order, bool OtherZone) : ReclaimStep
{
    public override bool IsInvalid => OtherZone || Order is < 0 or > Model.Buddy.Order.Max;

    public override string ToString() => $"compact(order {Order}{(OtherZone ? ", ZONE_DMA" : "")})";
}

public sealed record KernelAllocStep(int Order) : ReclaimStep
{
    public override bool IsInvalid => Order is < 0 or > Model.Buddy.Order.Max;

    public override string ToString() => $"kernel_alloc(order {Order})";
}

/// <summary>Frees kernel allocation #Handle, or (Bogus) a pfn no kernel allocation starts at.</summary>
public sealed record KernelFreeStep(int Handle, bool Bogus) : ReclaimStep
{
    public override bool IsInvalid => Bogus;

    public override string ToString() => Bogus ? $"kernel_free(bogus pfn {Handle})" : $"kernel_free(#{Handle})";
}

/// <summary>Reads slot #Offset of area #Area: an unused slot, the header or one past the end are bad entries.</summary>
public sealed record SwapSlotStep(int Area, int Offset) : ReclaimStep
{
    public override string ToString() => $"swap_map(area #{Area}, slot {Offset})";
}

/// <summary>What a deliberately bad access gets wrong.</summary>
public enum BadAccessKind
{
    ExitedMm,
    NoSuchCpu,
    Unmapped,
    WriteToText,
    NoSuchFilePage,
}

/// <summary>
/// A deliberately bad call: an exited mm, a CPU past the last, an unmapped address, a text write, a bad file.
/// </summary>
public sealed record BadAccessStep(BadAccessKind Kind, int Value) : ReclaimStep
{
    public override bool IsInvalid => true;

    public override string ToString() => $"bad_access({Kind}, {Value})";
}

