namespace MMSpec.Model.Paging.Segmentation;

/// <summary>Sizes as people write them: the largest binary unit that divides the size exactly.</summary>
public static class ByteSize
{
    private static readonly (ulong Size, string Unit)[] Units = [(1UL << 30, "GiB"), (1UL << 20, "MiB"),
        (1UL << 10, "KiB")];

    public static string Format(ulong bytes)
    {
        foreach (var (size, unit) in Units)
        {
            if (bytes != 0 && bytes % size == 0)
            {
                return $"{bytes / size} {unit}";
            }
        }

        return $"{bytes} B";
    }
}
