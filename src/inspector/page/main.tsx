/**
 * The inspector page: routes between the id list and one id's view by the address hash.
 * Bundled with Preact into dist/inspector/assets/ at build time; imports no node:* module.
 * @module
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type Info } from './api.js';
import { EntityView } from './entity-view.js';
import { IdList } from './id-list.js';
import { parseRoute } from './route.js';
import './style.css';

function App() {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  const [info, setInfo] = useState<Info | undefined>(undefined);
  const [infoError, setInfoError] = useState<string | undefined>(undefined);
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    api.info().then(setInfo, (error: Error) => setInfoError(error.message));
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return (
    <>
      <header class="top">
        <a href="#/" class="brand">
          Memento inspector
        </a>
        {info && (
          <span class={info.allowDelete ? 'badge danger' : 'badge'}>{info.allowDelete ? 'snapshot deletion allowed' : 'read-only'}</span>
        )}
        {info && info.definitions.length > 0 && <span class="muted">definitions: {info.definitions.map((d) => d.name).join(', ')}</span>}
      </header>
      <main>
        {infoError && <p class="bad">{infoError}</p>}
        {route.page === 'ids' ? <IdList /> : <EntityView key={route.id} id={route.id} routeAt={route.at} info={info} />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
