console.log('web: placeholder build');
