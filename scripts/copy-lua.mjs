// The build's second step: tsc emits only JavaScript, and the store reads its Lua scripts from beside
// its own module (src/store/lua/load-script.ts), so the .lua files go to the same place under dist/.
import { cpSync, statSync } from 'node:fs';

cpSync('src/store/lua', 'dist/src/store/lua', {
  recursive: true,
  filter: (source) => statSync(source).isDirectory() || source.endsWith('.lua'),
});
