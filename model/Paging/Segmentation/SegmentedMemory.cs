using MMSpec.Model.Core;

namespace MMSpec.Model.Paging.Segmentation;

/// <summary>
/// Physical memory under pure segmentation (seed 001): each program occupies one contiguous region, placed by
/// first fit (the lowest hole large enough). Freed regions leave holes, so a program may not fit although enough
/// memory is free in total (external fragmentation); swapping a program out and in again moves it to the first fit.
/// </summary>
public sealed class SegmentedMemory(ulong size)
{
    private readonly Dictionary<string, Region> _resident = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ulong> _swapped = new(StringComparer.Ordinal);

    public ulong Size { get; } = size;

    /// <summary>The programs in memory, by name.</summary>
    public IReadOnlyDictionary<string, Region> Programs => _resident;

    /// <summary>The programs on disk, with their sizes.</summary>
    public IReadOnlyDictionary<string, ulong> Swapped => _swapped;

    /// <summary>The free regions between and around the programs, lowest first.</summary>
    public IReadOnlyList<Region> Holes
    {
        get
        {
            var holes = new List<Region>();
            var next = 0UL;
            foreach (var region in _resident.Values.OrderBy(r => r.Base).Append(new Region(Size, 0)))
            {
                if (region.Base > next)
                {
                    holes.Add(new Region(next, region.Base - next));
                }

                next = region.End;
            }

            return holes;
        }
    }

    public ulong TotalFree => Holes.Aggregate(0UL, (sum, hole) => sum + hole.Size);

    public ulong LargestHole => Holes.Select(hole => hole.Size).DefaultIfEmpty(0UL).Max();

    /// <summary>Places a new program at the first fit and returns its base.</summary>
    public Result<ulong> Load(string name, ulong size)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (size == 0)
        {
            return new ZeroSizeProgram(name);
        }

        return _resident.ContainsKey(name) || _swapped.ContainsKey(name) ? new DuplicateProgram(name)
            : Place(name, size);
    }

    /// <summary>Forgets a program, in memory or on disk; its region becomes a hole.</summary>
    public Result<Unit> Exit(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _resident.Remove(name) || _swapped.Remove(name) ? Unit.Value : new UnknownProgram(name);
    }

    /// <summary>Writes a program to disk: its region becomes a hole, and the program is remembered as
    /// swapped.</summary>
    public Result<Unit> SwapOut(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!_resident.Remove(name, out var region))
        {
            return _swapped.ContainsKey(name) ? new ProgramNotResident(name) : new UnknownProgram(name);
        }

        _swapped.Add(name, region.Size);
        return Unit.Value;
    }

    /// <summary>Reads a program back from disk at the first fit, not necessarily where it was; returns its new
    /// base.</summary>
    public Result<ulong> SwapIn(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!_swapped.TryGetValue(name, out var size))
        {
            return _resident.ContainsKey(name) ? new ProgramNotSwapped(name) : new UnknownProgram(name);
        }

        var placed = Place(name, size);
        if (placed.IsOk)
        {
            _swapped.Remove(name);
        }

        return placed;
    }

    public override string ToString()
    {
        var lines = _resident
            .Select(program => (program.Value, Label: program.Key))
            .Concat(Holes.Select(hole => (Value: hole, Label: "hole")))
            .OrderBy(line => line.Value.Base)
            .Select(line => $"{line.Value} {line.Label} {ByteSize.Format(line.Value.Size)}")
            .Prepend(
                $"segmented memory of {ByteSize.Format(Size)}: {ByteSize.Format(TotalFree)} free, largest hole "
                + $"{ByteSize.Format(LargestHole)}");
        var swapped = _swapped.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{p.Key} {ByteSize.Format(p.Value)}");
        return string.Join('\n',
            _swapped.Count == 0 ? lines : lines.Append($"swapped out: {string.Join(", ", swapped)}"));
    }

    /// <summary>First fit: the lowest hole that holds the whole program.</summary>
    private Result<ulong> Place(string name, ulong size)
    {
        if (Holes.Where(hole => hole.Size >= size).Cast<Region?>().FirstOrDefault() is not { } hole)
        {
            return new NoContiguousHole(name, size, LargestHole, TotalFree);
        }

        _resident.Add(name, new Region(hole.Base, size));
        return hole.Base;
    }
}
