/*
 * idset_seeds.c
 *		Writes a seed corpus for idset_fuzz: valid and nearly valid inputs
 *		of each target (text, wire, stored form), so the fuzzer starts from
 *		the interesting shapes instead of discovering the formats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idset.h"

/* Write one seed file: a target byte followed by the payload. */
static void
WriteSeed(const char *dir, int *serial, int target, const void *data, size_t len)
{
	char		path[4096];
	FILE	   *f;
	unsigned char t = (unsigned char) target;

	snprintf(path, sizeof(path), "%s/seed-%04d", dir, (*serial)++);
	f = fopen(path, "wb");
	if (f == NULL)
	{
		perror(path);
		exit(1);
	}
	fwrite(&t, 1, 1, f);
	fwrite(data, 1, len, f);
	fclose(f);
}

/* Emit the wire and stored forms of canonical values. */
static void
SeedForms(const char *dir, int *serial, const int64_t *v, size_t n)
{
	int			format;
	size_t		size = IdsetEncodedSize(v, n, &format);
	uint8_t    *buf = malloc(size + IdsetWireSize(n));

	IdsetEncode(v, n, buf);
	WriteSeed(dir, serial, 2, buf, size);
	IdsetWriteWire(v, n, buf);
	WriteSeed(dir, serial, 1, buf, IdsetWireSize(n));
	free(buf);
}

/* main: idset_seeds DIR */
int
main(int argc, char **argv)
{
	static const char *texts[] = {
		"{}", "{1}", "{3,1,2,2}", " { -5 , +7 } ", "{-9223372036854775808,9223372036854775807}",
		"{9223372036854775808}", "{1,2", "{a}", "{1,,2}", "{1}x", "{", "", "{1 2}",
		"{0,0,0,0,0}", "{100,200,300,400,500,600,700,800,900,1000,1100,1200,1300}",
	};
	int64_t		v[600];
	int			serial = 0;

	if (argc != 2)
	{
		fprintf(stderr, "usage: idset_seeds DIR\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		WriteSeed(argv[1], &serial, 0, texts[i], strlen(texts[i]));
	SeedForms(argv[1], &serial, v, 0);
	v[0] = INT64_MIN;
	v[1] = 0;
	v[2] = INT64_MAX;
	SeedForms(argv[1], &serial, v, 3);
	for (int i = 0; i < 600; i++)
		v[i] = (int64_t) i * 37 + (i % 7) * 1000;
	SeedForms(argv[1], &serial, v, 300);
	for (int i = 0; i < 600; i++)
		v[i] = (int64_t) i * 5;
	SeedForms(argv[1], &serial, v, 600);
	{
		uint8_t		alg[64];

		for (int i = 0; i < 64; i++)
			alg[i] = (uint8_t) (i * 7);
		WriteSeed(argv[1], &serial, 3, alg, sizeof(alg));
		WriteSeed(argv[1], &serial, 4, alg, 16);
		WriteSeed(argv[1], &serial, 5, alg, 8);
		WriteSeed(argv[1], &serial, 5, alg + 8, 8);
	}
	/* Target 6: every size of the nested shapes, each shape once. */
	for (int i = 0; i < 12; i++)
	{
		uint8_t		nest[3] = {(uint8_t) i, (uint8_t) (i % 3), (uint8_t) i};

		WriteSeed(argv[1], &serial, 6, nest, sizeof(nest));
	}
	/* Every block width, three blocks and a tail, both kernels. */
	for (int w = 0; w <= 64; w++)
	{
		uint8_t		widths[5] = {(uint8_t) w, 300 % 256, 300 / 256, (uint8_t) (w % 5), (uint8_t) w};

		WriteSeed(argv[1], &serial, 7, widths, sizeof(widths));
	}
	/*
	 * A raw stored value of 128 ids out of order (a damaged block: raw
	 * values are copied as stored): 60 ascending, then 68 equal to 500
	 * with 100 at every eighth from the 67th.  Intersected with itself by
	 * the two-half 32-bit merge, one value of a met another block of b at
	 * every step and wrote past the output (found by review, not by the
	 * fuzzer).
	 */
	{
		uint8_t		raw[8 + 128 * 8];
		uint32_t	n = 128;

		raw[0] = IDSET_VERSION;
		raw[1] = IDSET_FORMAT_RAW;
		raw[2] = raw[3] = 0;
		memcpy(raw + 4, &n, 4);
		for (int i = 0; i < 128; i++)
		{
			int64_t		x = 1000 + (i < 60 ? i : 500);

			if (i >= 67 && (i - 67) % 8 == 0)
				x = 1000 + 100;
			memcpy(raw + 8 + i * 8, &x, 8);
		}
		WriteSeed(argv[1], &serial, 2, raw, sizeof(raw));
	}
	return 0;
}
