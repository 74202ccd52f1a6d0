using MMSpec.Model.Core;

namespace MMSpec.Model.Paging.Segmentation;

/// <summary>External fragmentation: no hole holds the program, although the free total may be enough.</summary>
public sealed record NoContiguousHole(string Name, ulong Size, ulong LargestHole, ulong TotalFree) : MmError
{
    public override string Message =>
        $"{Name} needs {ByteSize.Format(Size)} contiguous; largest hole {ByteSize.Format(LargestHole)}, "
            + $"{ByteSize.Format(TotalFree)} free in total";
}

/// <summary>A program of size 0: a segment holds at least one byte.</summary>
public sealed record ZeroSizeProgram(string Name) : MmError
{
    public override string Message => $"{Name}: a program of size 0 has no segment";
}

/// <summary>A load under a name already resident or swapped out.</summary>
public sealed record DuplicateProgram(string Name) : MmError
{
    public override string Message => $"{Name} is already loaded or swapped out";
}

/// <summary>A name that is neither resident nor swapped out.</summary>
public sealed record UnknownProgram(string Name) : MmError
{
    public override string Message => $"no program {Name}";
}

/// <summary>A swap out of a program that is already on disk.</summary>
public sealed record ProgramNotResident(string Name) : MmError
{
    public override string Message => $"{Name} is swapped out, not in memory";
}

/// <summary>A swap in of a program that is already in memory.</summary>
public sealed record ProgramNotSwapped(string Name) : MmError
{
    public override string Message => $"{Name} is in memory, not swapped out";
}
