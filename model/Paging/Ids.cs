namespace MMSpec.Model.Paging;

/// <summary>An address space (an mm_struct), by number.</summary>
public readonly record struct AsId(int Value)
{
    public override string ToString() => $"mm{Value}";
}

/// <summary>What a shared page belongs to: a regular file, or the shmem object behind one MAP_SHARED|MAP_ANONYMOUS mmap.</summary>
public readonly record struct MappedObject(bool Shmem, int Id) : IComparable<MappedObject>
{
    public int CompareTo(MappedObject other) => (Shmem, Id).CompareTo((other.Shmem, other.Id));

    public static bool operator <(MappedObject left, MappedObject right) => left.CompareTo(right) < 0;

    public static bool operator >(MappedObject left, MappedObject right) => left.CompareTo(right) > 0;

    public static bool operator <=(MappedObject left, MappedObject right) => left.CompareTo(right) <= 0;

    public static bool operator >=(MappedObject left, MappedObject right) => left.CompareTo(right) >= 0;

    public override string ToString() => Shmem ? $"shmem{Id}" : $"file{Id}";
}
