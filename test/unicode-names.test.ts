import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { shortId } from '../src/domain/ids.js';
import { describeBackends, type BackendCli } from './backends.js';
import { expectRefused, tempDir } from './helpers.js';

/** SQLite's lower() and LIKE fold ASCII only; names in other scripts must match as freely, on either backend. */
describeBackends('names beyond ASCII', (_backend, fresh) => {
  let cli: BackendCli;
  beforeEach(async () => {
    cli = await fresh();
  });
  afterEach(() => cli.close());

  const names = async (argv: string[]) => (await cli.json(argv)).map((record: { name: string }) => record.name);

  describe('customer refs and search beyond ASCII', () => {
    beforeEach(async () => {
      for (const name of ['Zoë Ünïcødé', 'Straßenbahn GmbH', 'Σωκράτης Παππάς', '🍕 Pizza Ünö', 'Plain Zoe']) {
        await cli.run(['customer', 'add', name, '--owner', name === 'Plain Zoe' ? 'José' : 'ana']);
      }
    });

    it('finds a customer by its accented name in another case', async () => {
      expect((await cli.json(['customer', 'show', 'ZOË ÜNÏCØDÉ'])).name).toBe('Zoë Ünïcødé');
      expect((await cli.json(['customer', 'show', 'σωκράτης παππάς'])).name).toBe('Σωκράτης Παππάς');
      expect((await cli.json(['customer', 'show', '🍕 PIZZA ÜNÖ'])).name).toBe('🍕 Pizza Ünö');
    });

    it('treats a decomposed accent (as some keyboards and macOS file names send it) as the composed one', async () => {
      expect((await cli.json(['customer', 'show', 'Zoe\u0308 U\u0308ni\u0308cødé'])).name).toBe('Zoë Ünïcødé');
    });

    it('searches by upper-case accented, Greek, German and emoji text', async () => {
      expect(await names(['customer', 'search', 'ZOË'])).toEqual(['Zoë Ünïcødé']);
      expect(await names(['customer', 'search', 'ÜN'])).toEqual(['Zoë Ünïcødé', '🍕 Pizza Ünö']);
      expect(await names(['customer', 'search', 'ΣΩΚΡΆΤΗΣ'])).toEqual(['Σωκράτης Παππάς']);
      expect(await names(['customer', 'search', 'STRASSE'])).toEqual(['Straßenbahn GmbH']);
      expect(await names(['customer', 'search', '🍕'])).toEqual(['🍕 Pizza Ünö']);
    });

    it('filters by an accented owner in another case', async () => {
      expect((await names(['customer', 'list', '--owner', 'JOSÉ']))).toEqual(['Plain Zoe']);
    });

    it('finds a deleted customer in history by its accented name in another case', async () => {
      await cli.run(['customer', 'delete', 'zoë ünïcødé', '--yes']);
      const result = await cli.run(['history', 'ZOË ÜNÏCØDÉ']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('"Zoë Ünïcødé"');
    });
  });

  describe('product names beyond ASCII', () => {
    it('refuses a second product whose name differs only by the case of its accents', async () => {
      const ete = await cli.json(['product', 'add', 'Été']);
      const clash = `error: a product named "Été" already exists (${shortId(ete.id)})\n`;
      await expectRefused(cli, ['product', 'add', 'ÉTÉ'], { code: 1, stderr: clash });
      await expectRefused(cli, ['product', 'add', 'E\u0301te\u0301'], { code: 1, stderr: clash });
      const other = await cli.json(['product', 'add', 'Winter', '--inactive']);
      await expectRefused(cli, ['product', 'edit', other.id, '--name', 'été'], { code: 1, stderr: clash });
      expect((await cli.json(['product', 'show', 'ÉTÉ'])).id).toBe(ete.id);
    });

    it('refuses an imported product whose name differs only by the case of its accents', async () => {
      const ete = await cli.json(['product', 'add', 'Été']);
      const dir = tempDir();
      try {
        const file = path.join(dir, 'products.csv');
        fs.writeFileSync(file, 'id,name,is_active\np-1,ÉTÉ,0\n');
        await expectRefused(cli, ['import', 'products', file], {
          code: 1,
          stderr:
            `error: ${file}: 1 invalid row; nothing was imported (--skip-invalid imports the valid rows):\n` +
            `  line 2, name: a product named "ÉTÉ" already exists (${shortId(ete.id)})\n`,
        });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
